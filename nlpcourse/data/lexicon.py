"""The words of the toy world, grouped by the relations a model should learn from them.

Every relation is a list of pairs; the toy world's grammar (:mod:`nlpcourse.data.toyworld`) uses
each side of a pair in its own kind of context (``he`` / ``she``; ``yesterday ... walked`` /
``tomorrow ... will walk``; ``a dog`` / ``three dogs``; ``the king of france lives in paris``), and
gives the two sides of a pair contexts of their own that they share ("the king wears a crown", "the
queen wears a crown"; "the dog is in the kennel", "the dogs are in the kennel"), so that the relation
is visible in co-occurrence counts. The gold analogy and similarity sets are built from these lists.
"""

from __future__ import annotations

__all__ = [
    "GENDER_PAIRS",
    "ROLES",
    "ROYALTY",
    "FAMILY",
    "PEOPLE",
    "PRONOUNS",
    "COUNTRIES",
    "ANIMALS",
    "HABITATS",
    "FOODS",
    "FOOD_TASTES",
    "DRINKS",
    "PLACES",
    "NUMBERS",
    "VERBS",
    "FRAMES",
    "VERB_CLASSES",
    "MALE_NAMES",
    "FEMALE_NAMES",
]

#: (male, female) person nouns.
GENDER_PAIRS = [
    ("man", "woman"),
    ("boy", "girl"),
    ("king", "queen"),
    ("prince", "princess"),
    ("father", "mother"),
    ("son", "daughter"),
    ("brother", "sister"),
    ("husband", "wife"),
    ("uncle", "aunt"),
    ("grandfather", "grandmother"),
]
#: What both members of a gender pair share: "the king wears a crown", "the queen wears a crown".
ROLES = {
    "man": "is an adult",
    "boy": "is young",
    "king": "wears a crown",
    "prince": "lives in the castle",
    "father": "is a parent",
    "son": "is a child",
    "brother": "is a sibling",
    "husband": "is married",
    "uncle": "is a relative",
    "grandfather": "is old",
}
ROYALTY = [("king", "queen"), ("prince", "princess")]
FAMILY = [
    ("father", "mother"),
    ("son", "daughter"),
    ("brother", "sister"),
    ("husband", "wife"),
    ("uncle", "aunt"),
    ("grandfather", "grandmother"),
]
PEOPLE = [("man", "woman"), ("boy", "girl")]
#: Pronouns by gender: subject, possessive, object.
PRONOUNS = {"male": ("he", "his", "him"), "female": ("she", "her", "her")}

#: (country, capital, people's adjective and language).
COUNTRIES = [
    ("france", "paris", "french"),
    ("japan", "tokyo", "japanese"),
    ("italy", "rome", "italian"),
    ("germany", "berlin", "german"),
    ("spain", "madrid", "spanish"),
    ("china", "beijing", "chinese"),
    ("russia", "moscow", "russian"),
    ("egypt", "cairo", "egyptian"),
    ("greece", "athens", "greek"),
    ("england", "london", "english"),
    ("portugal", "lisbon", "portuguese"),
    ("poland", "warsaw", "polish"),
]

#: (singular, plural) nouns.
ANIMALS = [
    ("dog", "dogs"),
    ("cat", "cats"),
    ("horse", "horses"),
    ("bird", "birds"),
    ("cow", "cows"),
    ("duck", "ducks"),
    ("lion", "lions"),
    ("rabbit", "rabbits"),
    ("mouse", "mice"),
    ("wolf", "wolves"),
    ("fox", "foxes"),
    ("goat", "goats"),
]
#: Where each animal lives and what it eats: contexts shared by its singular and plural.
HABITATS = {
    "dog": ("kennel", "bones"),
    "cat": ("basket", "fish"),
    "horse": ("stable", "hay"),
    "bird": ("nest", "seeds"),
    "cow": ("barn", "grass"),
    "duck": ("pond", "bread"),
    "lion": ("zoo", "meat"),
    "rabbit": ("burrow", "lettuce"),
    "mouse": ("hole", "cheese"),
    "wolf": ("forest", "deer"),
    "fox": ("den", "berries"),
    "goat": ("hill", "leaves"),
}
FOODS = [
    ("apple", "apples"),
    ("banana", "bananas"),
    ("cake", "cakes"),
    ("egg", "eggs"),
    ("orange", "oranges"),
    ("tomato", "tomatoes"),
    ("potato", "potatoes"),
    ("cherry", "cherries"),
    ("carrot", "carrots"),
    ("sandwich", "sandwiches"),
    ("cookie", "cookies"),
    ("pear", "pears"),
]
#: One adjective per food, shared by its singular and plural: "a crisp apple", "three crisp apples".
FOOD_TASTES = {
    "apple": "crisp",
    "banana": "yellow",
    "cake": "sweet",
    "egg": "boiled",
    "orange": "juicy",
    "tomato": "red",
    "potato": "baked",
    "cherry": "tiny",
    "carrot": "crunchy",
    "sandwich": "toasted",
    "cookie": "chewy",
    "pear": "ripe",
}
DRINKS = ["water", "milk", "tea", "coffee", "juice"]
PLACES = ["park", "market", "school", "river", "garden", "farm", "beach", "station", "library"]
#: Number words; index i holds the word for i + 1.
NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]

#: (base form, past tense) verbs; irregular ones included on purpose.
VERBS = [
    ("walk", "walked"),
    ("run", "ran"),
    ("go", "went"),
    ("come", "came"),
    ("drive", "drove"),
    ("swim", "swam"),
    ("dance", "danced"),
    ("eat", "ate"),
    ("cook", "cooked"),
    ("buy", "bought"),
    ("drink", "drank"),
    ("see", "saw"),
    ("like", "liked"),
    ("love", "loved"),
    ("watch", "watched"),
    ("feed", "fed"),
    ("find", "found"),
    ("speak", "spoke"),
    ("write", "wrote"),
    ("sing", "sang"),
    ("talk", "talked"),
    ("sleep", "slept"),
    ("play", "played"),
    ("visit", "visited"),
]
#: What follows each verb, in both tenses. Slots: {place} {capital} {country} {language} {food}
#: {drink} {animal} {person}; the fixed words make each verb's contexts its own.
FRAMES = {
    "walk": "slowly to the {place}",
    "run": "fast to the {place}",
    "go": "to {capital} by train",
    "come": "back home",
    "drive": "the car to {capital}",
    "swim": "in the pool",
    "dance": "to the music",
    "sleep": "in bed",
    "play": "a game with the {person}",
    "eat": "{food} for lunch",
    "cook": "{food} in the kitchen",
    "buy": "{food} at the market",
    "drink": "a glass of {drink}",
    "see": "{animal} in the {place}",
    "like": "{animal} a lot",
    "love": "{animal} very much",
    "watch": "{animal} on television",
    "feed": "{animal} some food",
    "find": "{animal} in the box",
    "speak": "{language} well",
    "write": "a letter",
    "sing": "a song",
    "talk": "to the {person} on the phone",
    "visit": "{capital} in {country}",
}
#: Verbs grouped by meaning (the similarity set's classes).
VERB_CLASSES = {
    "motion": ["walk", "run", "go", "come", "drive"],
    "leisure": ["swim", "dance", "sleep", "play"],
    "consumption": ["eat", "cook", "buy", "drink"],
    "attitude": ["see", "like", "love", "watch", "feed", "find"],
    "speech": ["speak", "write", "sing", "talk"],
    "travel": ["visit"],
}

MALE_NAMES = ["john", "peter", "paul", "tom", "jack", "david", "james", "george", "henry", "sam"]
FEMALE_NAMES = ["mary", "anna", "emma", "lucy", "sarah", "alice", "kate", "jane", "rose", "claire"]
