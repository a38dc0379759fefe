"""The toy world in English and Chinese: one seeded grammar writes each sentence in both languages.

    pairs = parallel_toy_world(3, seed=0)
    pairs[0].en_text      # 'the potato is baked'   (the English toy world's first sentence for seed 0)
    pairs[0].zh           # ('土豆', '是', '烤', '的'): the Chinese words, the gold segmentation
    pairs[0].zh_text      # '土豆是烤的'
    pairs[0].alignment    # ((1, 0), (2, 1), (3, 2)): potato-土豆, is-是, baked-烤; "the" has no counterpart
    toy_world_corpus_zh(20_000, unit="char").sentences[0]     # ['土', '豆', '是', '烤', '的']
    analogies_zh()["capital"][0]                               # ('巴黎', '法国', '东京', '日本')

The English side is exactly :class:`~nlpcourse.data.toyworld.ToyWorld`'s sentence stream for the same
seed: the writer below draws the same random numbers in the same order, but where the English grammar
fills an English string, it fills a *bilingual template* (an English and a Chinese side with slots), so
the Chinese is built from the sentence's structure, not word by word. Chinese word order and grammar
follow from the templates: "mary is a woman from japan" -> 玛丽 是 来自 日本 的 女人; "mary has three
cats" -> 玛丽 有 三只 猫 (a numeral with its measure word 只 / 个 / 头 / 杯, no plural ending);
"yesterday she walked slowly to the park" -> 昨天 她 慢慢 地 走 到 了 公园 (past tense by 了 and the time
word, not by the verb's form); "two plus three is five" -> 二 加 三 等于 五.

Segmentation conventions (the gold words): a numeral and its measure word are one word (三只, 一杯, as
jieba cuts them); 的, 了, 地 and locatives (里, 上) are words of their own. jieba, given the toy
lexicon (:func:`chinese_lexicon`) as user words, cuts more than 95% of the sentences exactly so.

Alignment: pairs ``(i, j)`` link English token ``i`` and Chinese word ``j``; a template marks which fixed
Chinese word translates which fixed English word (``来自@from``), slots align with their fills.
English function words without a Chinese counterpart (``the``, ``a`` in "is a woman", ``to`` in
"likes to") stay unaligned, and so do Chinese words without an English one (的 in 日本
的 女人, measure words joined to nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import permutations

from nlpcourse.data.corpus import Corpus
from nlpcourse.data.goldsets import similarities
from nlpcourse.data.lexicon import (
    ANIMALS,
    COUNTRIES,
    DRINKS,
    FEMALE_NAMES,
    FOOD_TASTES,
    FOODS,
    FRAMES,
    GENDER_PAIRS,
    HABITATS,
    MALE_NAMES,
    NUMBERS,
    PLACES,
    PRONOUNS,
    ROLES,
    ROYALTY,
    VERBS,
)
from nlpcourse.data.toyworld import KINDS, ToyWorld, _check_count, _check_seed, article

__all__ = [
    "ParallelSentence",
    "parallel_toy_world",
    "toy_world_corpus_zh",
    "analogies_zh",
    "similarities_zh",
    "chinese_lexicon",
    "ZH",
]


@dataclass(frozen=True)
class ParallelSentence:
    """One sentence in English and Chinese with a word alignment.

    ``en``: English tokens; ``zh``: Chinese words (the gold segmentation); ``alignment``: sorted pairs
    ``(i_en, j_zh)`` of tokens that translate each other (many-to-many; unaligned tokens have none).

    >>> s = ParallelSentence(("paris", "is", "the", "capital", "of", "france"),
    ...                      ("巴黎", "是", "法国", "的", "首都"), ((0, 0), (1, 1), (3, 4), (5, 2)))
    >>> s.en_text, s.zh_text, s.zh_chars[:3]
    ('paris is the capital of france', '巴黎是法国的首都', ('巴', '黎', '是'))
    """

    en: tuple[str, ...]
    zh: tuple[str, ...]
    alignment: tuple[tuple[int, int], ...] = ()

    @property
    def en_text(self) -> str:
        """The English tokens joined by spaces."""
        return " ".join(self.en)

    @property
    def zh_text(self) -> str:
        """The Chinese words joined without spaces, as Chinese is written."""
        return "".join(self.zh)

    @property
    def zh_chars(self) -> tuple[str, ...]:
        """The Chinese text as a tuple of characters."""
        return tuple(self.zh_text)


def _w(en: str, zh: str) -> ParallelSentence:
    """A word or short phrase whose tokens all translate each other (``_w("the king", "国王")``)."""
    e, z = tuple(en.split()), tuple(zh.split())
    return ParallelSentence(e, z, tuple((i, j) for i in range(len(e)) for j in range(len(z))))


def _t(en: str, zh: str, **slots: ParallelSentence) -> ParallelSentence:
    """Fill a bilingual template.

    Tokens are separated by spaces. ``{name}`` is a slot (a :class:`ParallelSentence`), aligned with the
    same slot on the other side by its own alignment. A fixed Chinese token ``来自@from`` translates the
    fixed English word ``from``; ``在@in#2`` the second fixed ``in`` (``#-1``: the last one);
    ``开车@drive@car`` both ``drive`` and ``car``.
    """
    en_out: list[str] = []
    zh_out: list[str] = []
    align: set[tuple[int, int]] = set()
    slot_at: dict[str, list[int]] = {}
    fixed_at: dict[str, list[int]] = {}
    for token in en.split():
        if token.startswith("{"):
            name = token[1:-1]
            slot_at.setdefault(name, []).append(len(en_out))
            en_out.extend(slots[name].en)
        else:
            fixed_at.setdefault(token, []).append(len(en_out))
            en_out.append(token)
    seen: dict[str, int] = {}
    for token in zh.split():
        if token.startswith("{"):
            name = token[1:-1]
            fill, k = slots[name], seen.get(name, 0)
            seen[name] = k + 1
            if name in slot_at:
                i0 = slot_at[name][k]
                align.update((i0 + i, len(zh_out) + j) for i, j in fill.alignment)
            zh_out.extend(fill.zh)
            continue
        word, *tags = token.split("@")
        for tag in tags:
            name, _, nth = tag.partition("#")
            at = fixed_at.get(name, [])
            if len(at) != 1 and not nth:
                raise ValueError(f"template {en!r}: tag @{name} matches {len(at)} English words, not 1")
            k = int(nth or 1)
            align.add((at[k - 1 if k > 0 else k], len(zh_out)))
        zh_out.append(word)
    return ParallelSentence(tuple(en_out), tuple(zh_out), tuple(sorted(align)))


# --- the Chinese lexicon ------------------------------------------------------------------------------

#: English word of the toy world -> its Chinese word (person nouns, names, places, foods, ...).
ZH: dict[str, str] = {
    "man": "男人",
    "woman": "女人",
    "boy": "男孩",
    "girl": "女孩",
    "king": "国王",
    "queen": "王后",
    "prince": "王子",
    "princess": "公主",
    "father": "父亲",
    "mother": "母亲",
    "son": "儿子",
    "daughter": "女儿",
    "brother": "弟弟",
    "sister": "妹妹",
    "husband": "丈夫",
    "wife": "妻子",
    "uncle": "叔叔",
    "aunt": "姨妈",
    "grandfather": "爷爷",
    "grandmother": "外婆",
    "france": "法国",
    "paris": "巴黎",
    "japan": "日本",
    "tokyo": "东京",
    "italy": "意大利",
    "rome": "罗马",
    "germany": "德国",
    "berlin": "柏林",
    "spain": "西班牙",
    "madrid": "马德里",
    "china": "中国",
    "beijing": "北京",
    "russia": "俄罗斯",
    "moscow": "莫斯科",
    "egypt": "埃及",
    "cairo": "开罗",
    "greece": "希腊",
    "athens": "雅典",
    "england": "英格兰",
    "london": "伦敦",
    "portugal": "葡萄牙",
    "lisbon": "里斯本",
    "poland": "波兰",
    "warsaw": "华沙",
    "dog": "狗",
    "cat": "猫",
    "horse": "马",
    "bird": "鸟",
    "cow": "牛",
    "duck": "鸭子",
    "lion": "狮子",
    "rabbit": "兔子",
    "mouse": "老鼠",
    "wolf": "狼",
    "fox": "狐狸",
    "goat": "山羊",
    "kennel": "狗窝",
    "basket": "篮子",
    "stable": "马厩",
    "nest": "鸟巢",
    "barn": "牛棚",
    "pond": "池塘",
    "zoo": "动物园",
    "burrow": "洞穴",
    "hole": "洞",
    "forest": "森林",
    "den": "巢穴",
    "hill": "山坡",
    "bones": "骨头",
    "fish": "鱼",
    "hay": "干草",
    "seeds": "种子",
    "grass": "草",
    "bread": "面包",
    "meat": "肉",
    "lettuce": "生菜",
    "cheese": "奶酪",
    "deer": "鹿",
    "berries": "浆果",
    "leaves": "树叶",
    "apple": "苹果",
    "banana": "香蕉",
    "cake": "蛋糕",
    "egg": "鸡蛋",
    "orange": "橙子",
    "tomato": "西红柿",
    "potato": "土豆",
    "cherry": "樱桃",
    "carrot": "胡萝卜",
    "sandwich": "三明治",
    "cookie": "饼干",
    "pear": "梨",
    "crisp": "脆",
    "yellow": "黄色",
    "sweet": "甜",
    "boiled": "煮熟",
    "juicy": "多汁",
    "red": "红",
    "baked": "烤",
    "tiny": "小",
    "crunchy": "爽脆",
    "toasted": "烤",
    "chewy": "有嚼劲",
    "ripe": "熟",
    "water": "水",
    "milk": "牛奶",
    "tea": "茶",
    "coffee": "咖啡",
    "juice": "果汁",
    "park": "公园",
    "market": "市场",
    "school": "学校",
    "river": "河边",
    "garden": "花园",
    "farm": "农场",
    "beach": "海滩",
    "station": "车站",
    "library": "图书馆",
    "john": "约翰",
    "peter": "彼得",
    "paul": "保罗",
    "tom": "汤姆",
    "jack": "杰克",
    "david": "大卫",
    "james": "詹姆斯",
    "george": "乔治",
    "henry": "亨利",
    "sam": "山姆",
    "mary": "玛丽",
    "anna": "安娜",
    "emma": "艾玛",
    "lucy": "露西",
    "sarah": "莎拉",
    "alice": "爱丽丝",
    "kate": "凯特",
    "jane": "简",
    "rose": "罗丝",
    "claire": "克莱尔",
    "he": "他",
    "she": "她",
    "they": "他们",
    "we": "我们",
    "you": "你",
    "i": "我",
    "happy": "开心",
    "tired": "累",
    "hungry": "饿",
    "busy": "忙",
    "hat": "帽子",
    "book": "书",
    "key": "钥匙",
    "friend": "朋友",
    "family": "家人",
    "children": "孩子们",
    "walk": "走",
    "run": "跑",
    "go": "去",
    "come": "回家",
    "drive": "开车",
    "swim": "游泳",
    "dance": "跳舞",
    "eat": "吃",
    "cook": "做",
    "buy": "买",
    "drink": "喝",
    "see": "看到",
    "like": "喜欢",
    "love": "爱",
    "watch": "看",
    "feed": "喂",
    "find": "找到",
    "speak": "说",
    "write": "写",
    "sing": "唱",
    "talk": "聊天",
    "sleep": "睡觉",
    "play": "玩",
    "visit": "参观",
}
ZH.update(
    {
        "french": "法语",
        "japanese": "日语",
        "italian": "意大利语",
        "german": "德语",
        "spanish": "西班牙语",
        "chinese": "汉语",
        "russian": "俄语",
        "egyptian": "阿拉伯语",
        "greek": "希腊语",
        "english": "英语",
        "portuguese": "葡萄牙语",
        "polish": "波兰语",
    }
)
#: "the french people" -> 法国人
_PEOPLE = {language: ZH[country] + "人" for country, _, language in COUNTRIES}
#: English plural -> Chinese noun (Chinese nouns do not inflect): "dogs" and "dog" are both 狗.
for _singular, _plural in ANIMALS + FOODS:
    ZH[_plural] = ZH[_singular]
#: English past tense -> Chinese verb (the past shows in 了 and time words): "walked" is 走.
for _base, _past in VERBS:
    ZH[_past] = ZH[_base]
_MEASURE = {
    "horse": "匹",
    "cow": "头",
    "lion": "头",
    "banana": "根",
    "carrot": "根",
    "cake": "块",
    "cookie": "块",
    "cherry": "颗",
}  # everything else: 只 (animals) or 个 (foods)
for _singular, _ in ANIMALS:
    _MEASURE.setdefault(_singular, "只")
for _singular, _ in FOODS:
    _MEASURE.setdefault(_singular, "个")
#: Numbers as digits (二 加 三) and as counts before a measure word (两只 猫).
_DIGIT = dict(zip(NUMBERS, "一 二 三 四 五 六 七 八 九 十 十一 十二".split(), strict=True))
_COUNT = {**_DIGIT, "two": "两"}
ZH.update(_DIGIT)
_GRADABLE = {"crisp", "sweet", "red", "tiny", "crunchy", "chewy", "ripe"}  # 很甜; else 是烤的
_ON_TOP = {"hill"}  # 在山坡上; every other home: 在狗窝里
#: Chinese of each verb's frame (lexicon.FRAMES): {V} is the verb, {LE} the past marker 了 (or nothing).
_FRAMES_ZH = {
    "walk": "慢慢@slowly 地 {V} 到@to#-1 {LE} {place}",
    "run": "飞快@fast 地 {V} 到@to#-1 {LE} {place}",
    "go": "坐@by 火车@train {V} {LE} {capital}",
    "come": "{V} {LE}",
    "drive": "{V} 去@to#-1 {LE} {capital}",
    "swim": "在@in 游泳池@pool 里@in {V} {LE}",
    "dance": "随着@to#-1 音乐@music {V} {LE}",
    "sleep": "在@in 床@bed 上@in {V} {LE}",
    "play": "和@with#1 {person} {V} {LE} 一个@a 游戏@game",
    "eat": "午饭@lunch {V} {LE} {food}",
    "cook": "在@in 厨房@kitchen 里@in {V} {LE} {food}",
    "buy": "在@at 市场@market {V} {LE} {food}",
    "drink": "{V} {LE} 一杯@a@glass {drink}",
    "see": "在@in {place} {V} {LE} {animal}",
    "like": "很@a@lot {V} {animal}",
    "love": "非常@very@much {V} {animal}",
    "watch": "在@on 电视@television 上@on {V} {LE} {animal}",
    "feed": "给 {animal} {V} {LE} 一些@some 食物@food",
    "find": "在@in 盒子@box 里@in {V} {LE} {animal}",
    "speak": "{V} {LE} 一口 流利@well 的 {language}",
    "write": "{V} {LE} 一封@a 信@letter",
    "sing": "{V} {LE} 一首@a 歌@song",
    "talk": "在@on 电话@phone 里@on 和@to#-1 {person} {V} {LE}",
    "visit": "{V} {LE} {country} 的@in {capital}",
}
#: Words the verb carries with it in Chinese: "come back home" -> 回家, "drive the car" -> 开车.
_VERB_ALSO = {"come": ("back", "home"), "drive": ("car",)}
_NO_LE = {"like", "love"}  # states: no 了 in the past
#: The fixed words of the sentence templates below (for :func:`chinese_lexicon`).
_FUNCTION_WORDS = tuple(
    """
    是 有 在 的 了 都 会 能 很 和 给 拿 住 叫 说 吃 喂 买 丢 上 里 ， 这些 一起 来自 首都 人们 人民 语言
    大城市 昨天 明天 上周 每天 经常 通常 有一天 成为 统治 王国 王宫 王冠 戴着 城堡 成年人 年轻 家长 孩子
    手足 已经 结婚 亲戚 年纪 桌子 附近 散步 跑步 玩耍 加 减 等于 小于 之后""".split()
)


def _word(word: str) -> ParallelSentence:
    """A toy-world word and its Chinese: ``_word("king")`` -> king / 国王."""
    return _w(word, ZH[word])


def _the(noun: str) -> ParallelSentence:
    """ "the king" -> 国王 ("the" has no counterpart)."""
    return _t("the {n}", "{n}", n=_w(noun, ZH[noun]))


def _his(pronoun: str) -> ParallelSentence:
    """ "his" -> 他 的."""
    subject = "he" if pronoun == "his" else "she"
    return _t(pronoun, f"{ZH[subject]}@{pronoun} 的@{pronoun}")


def _counted(number: str, singular: str, plural: str) -> ParallelSentence:
    """ "a dog" -> 一只 狗, "three dogs" -> 三只 狗: a numeral + measure word, then the noun."""
    if number == "one":
        return _t(
            f"{article(singular)} {{n}}",
            f"一{_MEASURE[singular]}@{article(singular)} {{n}}",
            n=_w(singular, ZH[singular]),
        )
    return _t(
        f"{number} {{n}}", f"{_COUNT[number]}{_MEASURE[singular]}@{number} {{n}}", n=_w(plural, ZH[plural])
    )


def _these(plural: str) -> ParallelSentence:
    """ "the dogs" -> 这些 狗."""
    return _t("the {n}", "这些@the {n}", n=_w(plural, ZH[plural]))


def _in(home: str) -> ParallelSentence:
    """ "in the kennel" -> 在 狗窝 里."""
    return _t("in the {h}", f"在@in {{h}} {'上' if home in _ON_TOP else '里'}@in", h=_w(home, ZH[home]))


def _taste_attr(taste: str) -> str:
    return f"{ZH[taste]}@{taste} 的"


def _taste_pred(taste: str, be: str) -> str:
    """ "is sweet" -> 很 甜; "is baked" -> 是 烤 的."""
    if taste in _GRADABLE:
        return f"很@{be} {ZH[taste]}@{taste}"
    return f"是@{be} {ZH[taste]}@{taste} 的"


class _ParallelWriter:
    """The toy world's grammar (:class:`~nlpcourse.data.toyworld.ToyWorld`), writing in two languages.

    Every method draws from the random stream exactly what its English counterpart draws, in the same
    order, so the English side equals :class:`ToyWorld`'s sentences for the same seed.
    """

    def __init__(self, seed: int) -> None:
        self.world = ToyWorld(seed)
        self.rng = self.world.rng

    def subject(self, gender: str | None = None) -> tuple[ParallelSentence, str]:
        r = self.rng
        gender = gender or r.choice(["male", "female"])
        side = 0 if gender == "male" else 1
        choice = r.random()
        if choice < 0.5:
            return _the(r.choice(GENDER_PAIRS)[side]), gender
        if choice < 0.8:
            return _word(r.choice(MALE_NAMES if gender == "male" else FEMALE_NAMES)), gender
        return _word(PRONOUNS[gender][0]), gender

    def noun_phrase(self, pairs: list[tuple[str, str]]) -> ParallelSentence:
        r = self.rng
        singular, plural = r.choice(pairs)
        many = r.choice(NUMBERS[1:])
        return r.choice([_these(plural), _counted("one", singular, plural), _counted(many, singular, plural)])

    def complement(self) -> dict[str, ParallelSentence]:
        r = self.rng
        country, capital, language = r.choice(COUNTRIES)
        place = r.choice(PLACES)
        food = self.noun_phrase(FOODS)
        drink = r.choice(DRINKS)
        animal = self.noun_phrase(ANIMALS)
        person = r.choice(GENDER_PAIRS)[r.randint(0, 1)]
        return {
            "place": _w(place, ZH[place]),
            "capital": _w(capital, ZH[capital]),
            "country": _w(country, ZH[country]),
            "language": _w(language, ZH[language]),
            "food": food,
            "drink": _w(drink, ZH[drink]),
            "animal": animal,
            "person": _word(person),
        }

    def activity(
        self, subject: ParallelSentence | None = None, gender: str | None = None
    ) -> ParallelSentence:
        r = self.rng
        base, past = r.choice(VERBS)
        slots = self.complement()
        if subject is None:
            if r.random() < 0.2:
                adverb = r.choice(["every day", "often", "usually"])
                pronoun = r.choice(["they", "we", "you", "i"])
                zh_adverb = {"every day": "每天@every@day", "often": "经常@often", "usually": "通常@usually"}
                return _verb_phrase(
                    f"{adverb} {{s}} {{V}}",
                    f"{{s}} {zh_adverb[adverb]}",
                    base,
                    base,
                    False,
                    "",
                    "",
                    slots,
                    _word(pronoun),
                )
            subject, gender = self.subject()
        with_en = with_zh = ""
        if gender is not None and r.random() < 0.3:
            company = r.choice(["friend", "family", "children"])
            his = PRONOUNS[gender][1]
            slots["his"], slots["company"] = _his(his), _w(company, ZH[company])
            with_en, with_zh = " with {his} {company}", "和@with#-1 {his} {company} 一起@with#-1"
        if r.random() < 0.5:
            en, zh, end = r.choice(
                [
                    ("yesterday {s} {V}", "昨天@yesterday {s}", ""),
                    ("{s} {V}", "{s} 上周@last@week", " last week"),
                    ("{s} {V}", "{s} 昨天@yesterday", " yesterday"),
                ]
            )
            return _verb_phrase(en, zh, base, past, True, with_en + end, with_zh, slots, subject)
        en, zh, end = r.choice(
            [
                ("tomorrow {s} will {V}", "明天@tomorrow {s} 会@will", ""),
                ("{s} likes to {V}", "{s} 喜欢@likes", ""),
                ("{s} can {V}", "{s} 能@can", ""),
                ("{s} will {V}", "{s} 明天@tomorrow 会@will", " tomorrow"),
            ]
        )
        return _verb_phrase(en, zh, base, base, False, with_en + end, with_zh, slots, subject)

    # --- documents (as ToyWorld's) -------------------------------------------------------------------

    def person_doc(self) -> list[ParallelSentence]:
        p = self.world.person()
        he, his, _ = p.pronouns
        pets = p.pets_phrase.split()[-1]
        home, food = HABITATS[p.pet]
        s = {
            "name": _word(p.name),
            "he": _word(he),
            "his": _his(his),
            "noun": _word(p.noun),
            "country": _word(p.country),
            "capital": _word(p.capital),
            "language": _word(p.language),
            "spouse_noun": _word(p.spouse_noun),
            "spouse": _word(p.spouse),
            "pets": _word(pets),
            "pets_phrase": _counted(NUMBERS[p.pets - 1], p.pet, pets),
            "home": _in(home),
            "food": _word(food),
            "likes": _word(p.food),
            "sibling_noun": _word(p.sibling_noun),
            "sibling": _word(p.sibling),
            "sibling_capital": _word(p.sibling_capital),
        }
        be = "is" if p.pets == 1 else "are"
        return [
            _t("{name} is a {noun} from {country}", "{name} 是@is 来自@from {country} 的 {noun}", **s),
            _t("{he} lives in {capital}", "{he} 住@lives 在@in {capital}", **s),
        ] + self.world._some(
            [
                _t(
                    "{capital} is the capital of {country}",
                    "{capital} 是@is {country} 的@of 首都@capital",
                    **s,
                ),
                _t("in {country} {he} speaks {language}", "在@in {country} {he} 说@speaks {language}", **s),
                _t(
                    "{his} {spouse_noun} is called {spouse}", "{his} {spouse_noun} 叫@is@called {spouse}", **s
                ),
                _t("{name} has {pets_phrase}", "{name} 有@has {pets_phrase}", **s),
                _t(
                    f"{{his}} {{pets}} {be} {{home}}",
                    f"{{his}} {{pets}} {'都@are' * (be == 'are')} {{home}}",
                    **s,
                ),
                _t("{he} feeds {his} {pets} {food}", "{he} 拿 {food} 喂@feeds {his} {pets}", **s),
                _t("{he} likes to eat {likes}", "{he} 喜欢@likes 吃@eat {likes}", **s),
                _t(
                    "{his} {sibling_noun} {sibling} lives in {sibling_capital}",
                    "{his} {sibling_noun} {sibling} 住@lives 在@in {sibling_capital}",
                    **s,
                ),
                lambda: self.activity(_word(he), p.gender),
                lambda: self.activity(_word(p.name), p.gender),
            ]
        )

    def royal_doc(self) -> list[ParallelSentence]:
        r = self.rng
        country, capital, language = r.choice(COUNTRIES)
        ruler, consort = r.choice([("king", "queen"), ("queen", "king")])
        gender = "male" if ruler == "king" else "female"
        he, his, _ = PRONOUNS[gender]
        pair = r.choice(ROYALTY)
        royal = pair[r.randint(0, 1)]
        s = {
            "ruler": _word(ruler),
            "consort": _word(consort),
            "country": _word(country),
            "capital": _word(capital),
            "language": _word(language),
            "royal": _word(royal),
            "his": _his(his),
            "he": _word(he),
        }
        first = _t(
            "the {ruler} of {country} lives in {capital}", "{country} {ruler} 住@lives 在@in {capital}", **s
        )
        return [first] + self.world._some(
            [
                _t(
                    "the {consort} of {country} lives in the palace in {capital}",
                    "{country} {consort} 住@lives 在@in#1 {capital} 的@in#2 王宫@palace 里@in#1",
                    **s,
                ),
                _t("the king is a man", "国王@king 是@is 男人@man"),
                _t("the queen is a woman", "王后@queen 是@is 女人@woman"),
                _t("he is a king", "他@he 是@is 国王@king"),
                _t("she is a queen", "她@she 是@is 王后@queen"),
                _t(
                    "the queen rules the kingdom with her husband the king",
                    "王后@queen 和@with 她@her 的@her 丈夫@husband 国王@king 一起@with 统治@rules 王国@kingdom",  # noqa: E501 - one Chinese template
                ),
                _t(
                    "the king rules the kingdom with his wife the queen",
                    "国王@king 和@with 他@his 的@his 妻子@wife 王后@queen 一起@with 统治@rules 王国@kingdom",
                ),
                _t(
                    "the prince is the son of the king and the queen",
                    "王子@prince 是@is 国王@king 和@and 王后@queen 的@of 儿子@son",
                ),
                _t(
                    "the princess is the daughter of the king and the queen",
                    "公主@princess 是@is 国王@king 和@and 王后@queen 的@of 女儿@daughter",
                ),
                _t(
                    "one day the prince will become a king",
                    "有一天@one@day 王子@prince 会@will 成为@become 国王@king",
                ),
                _t(
                    "one day the princess will become a queen",
                    "有一天@one@day 公主@princess 会@will 成为@become 王后@queen",
                ),
                _t("the {royal} speaks {language}", "{royal} 说@speaks {language}", **s),
                _t("{his} people speak {language}", "{his} 人民@people 说@speak {language}", **s),
                _role(royal),
                lambda: self.activity(_word(he), gender),
                lambda: self.activity(_the(ruler), gender),
            ]
        )

    def family_doc(self) -> list[ParallelSentence]:
        r = self.rng
        male, female = r.choice(GENDER_PAIRS)
        moods = []

        def mood() -> str:
            moods.append(r.choice(["happy", "tired", "hungry", "busy"]))
            return moods[-1]

        def said(noun: str, pronoun: str) -> ParallelSentence:
            m = mood()
            return _t(
                f"the {{n}} said that {pronoun} was {m}",
                f"{{n}} 说@said {ZH[pronoun]}@{pronoun} 很@was {ZH[m]}@{m}",
                n=_word(noun),
            )

        def role_mood(noun: str, pronoun: str) -> ParallelSentence:
            m = mood()
            return _t(
                f"{{r}} and {pronoun} is {m}",
                f"{{r}} ， {ZH[pronoun]}@{pronoun} 很@is {ZH[m]}@{m}",
                r=_role(noun),
            )

        def lost(noun: str, his: str) -> ParallelSentence:
            thing = r.choice(["hat", "book", "key"])
            return _t(
                f"the {{n}} lost {{his}} {thing}",
                f"{{n}} 丢@lost 了@lost {{his}} {ZH[thing]}@{thing}",
                n=_word(noun),
                his=_his(his),
            )

        return self.world._some(
            [
                _t(
                    "the father and the mother have a son and a daughter",
                    "父亲@father 和@and#1 母亲@mother 有@have 一个@a#1 儿子@son 和@and#2 一个@a#2 女儿@daughter",  # noqa: E501 - one Chinese template
                ),
                _t(
                    "the son is a boy and the daughter is a girl",
                    "儿子@son 是@is#1 男孩@boy ，@and 女儿@daughter 是@is#2 女孩@girl",
                ),
                _t(
                    "the father is a man and the mother is a woman",
                    "父亲@father 是@is#1 男人@man ，@and 母亲@mother 是@is#2 女人@woman",
                ),
                _t(
                    "the boy will become a man and the girl will become a woman",
                    "男孩@boy 会@will#1 成为@become#1 男人@man ，@and "
                    "女孩@girl 会@will#2 成为@become#2 女人@woman",
                ),
                _t(
                    "the son will become a father and the daughter will become a mother",
                    "儿子@son 会@will#1 成为@become#1 父亲@father ，@and "
                    "女儿@daughter 会@will#2 成为@become#2 母亲@mother",
                ),
                _t(
                    "the uncle is the brother of the father",
                    "叔叔@uncle 是@is 父亲@father 的@of 弟弟@brother",
                ),
                _t("the aunt is the sister of the mother", "姨妈@aunt 是@is 母亲@mother 的@of 妹妹@sister"),
                _t(
                    "the grandfather is the father of the father",
                    "爷爷@grandfather 是@is 父亲@father#1 的@of 父亲@father#2",
                ),
                _t(
                    "the grandmother is the mother of the mother",
                    "外婆@grandmother 是@is 母亲@mother#1 的@of 母亲@mother#2",
                ),
                _t(
                    "the husband loves his wife and the wife loves her husband",
                    "丈夫@husband#1 爱@loves#1 他@his 的@his 妻子@wife#1 ，@and "
                    "妻子@wife#2 爱@loves#2 她@her 的@her 丈夫@husband#2",
                ),
                _role(male),
                _role(female),
                role_mood(male, "he"),
                role_mood(female, "she"),
                said(male, "he"),
                said(female, "she"),
                lost(male, "his"),
                lost(female, "her"),
                lambda: self.activity(_the(male), "male"),
                lambda: self.activity(_the(female), "female"),
            ],
            low=3,
        )

    def actions_doc(self) -> list[ParallelSentence]:
        subject, gender = self.subject()
        he = _word(PRONOUNS[gender][0])
        rest = [self.activity(self.rng.choice([he, subject]), gender) for _ in range(self.rng.randint(2, 4))]
        return [self.activity(subject, gender)] + rest

    def animals_doc(self) -> list[ParallelSentence]:
        r = self.rng
        singular, plural = r.choice(ANIMALS)
        home, food = HABITATS[singular]
        many = r.choice(NUMBERS[1:])
        who = _the(r.choice(GENDER_PAIRS)[r.randint(0, 1)])
        verb = r.choice(["walk", "run", "play", "sleep"])
        s = {
            "one": _the(singular),
            "the": _these(plural),
            "a": _counted("one", singular, plural),
            "many": _counted(many, singular, plural),
            "in": _in(home),
            "food": _word(food),
            "who": who,
            "verb": _w(verb, {"walk": "散步", "run": "跑步", "play": "玩耍", "sleep": "睡觉"}[verb]),
            "home": _word(home),
        }
        where = "里" if home not in _ON_TOP else "上"
        return self.world._some(
            [
                _t("{one} is {in}", "{one} {in}", **s),
                _t("{the} are {in}", "{the} 都@are {in}", **s),
                _t("{a} ate {food}", "{a} 吃@ate 了@ate {food}", **s),
                _t("{many} ate {food}", "{many} 吃@ate 了@ate {food}", **s),
                _t(
                    f"there is one {singular} in the {{home}}",
                    f"{{home}} {where}@in 有@there@is 一{_MEASURE[singular]}@one {ZH[singular]}@{singular}",
                    **s,
                ),
                _t("there are {many} in the {home}", f"{{home}} {where}@in 有@there@are {{many}}", **s),
                _t("{one} will eat {food} tomorrow", "{one} 明天@tomorrow 会@will 吃@eat {food}", **s),
                _t("{the} will eat {food} tomorrow", "{the} 明天@tomorrow 会@will 吃@eat {food}", **s),
                _t("{who} fed {a} {food} yesterday", "{who} 昨天@yesterday 给 {a} 喂@fed 了@fed {food}", **s),
                _t(
                    "{who} fed {the} {food} yesterday",
                    "{who} 昨天@yesterday 给 {the} 喂@fed 了@fed {food}",
                    **s,
                ),
                _t(
                    "every day {the} {verb} near the {home}",
                    "{the} 每天@every@day 在@near {home} 附近@near {verb}",
                    **s,
                ),
            ],
            low=3,
        )

    def food_doc(self) -> list[ParallelSentence]:
        r = self.rng
        singular, plural = r.choice(FOODS)
        taste = FOOD_TASTES[singular]
        a, many = article(taste), r.choice(NUMBERS[1:])
        who = _the(r.choice(GENDER_PAIRS)[r.randint(0, 1)])
        noun, m = ZH[singular], _MEASURE[singular]
        s = {"who": who, "one": _the(singular), "the": _these(plural)}
        count = f"{_COUNT[many]}{m}@{many} {noun}@{plural}"
        one_t, count_t = (
            f"一{m}@{a} {_taste_attr(taste)} {noun}@{singular}",
            f"{_COUNT[many]}{m}@{many} {_taste_attr(taste)} {noun}@{plural}",
        )
        return self.world._some(
            [
                _t(
                    f"{{who}} ate {a} {taste} {singular} yesterday",
                    f"{{who}} 昨天@yesterday 吃@ate 了@ate {one_t}",
                    **s,
                ),
                _t(
                    f"{{who}} ate {many} {taste} {plural} yesterday",
                    f"{{who}} 昨天@yesterday 吃@ate 了@ate {count_t}",
                    **s,
                ),
                _t(f"{{one}} is {taste}", f"{{one}} {_taste_pred(taste, 'is')}", **s),
                _t(f"{{the}} are {taste}", f"{{the}} {_taste_pred(taste, 'are')}", **s),
                _t(f"one {singular} is on the table", f"桌子@table 上@on 有@is 一{m}@one {noun}@{singular}"),
                _t(f"{many} {plural} are on the table", f"桌子@table 上@on 有@are {count}"),
                _t(f"{{who}} bought {a} {taste} {singular}", f"{{who}} 买@bought 了@bought {one_t}", **s),
                _t(f"{{who}} bought {many} {taste} {plural}", f"{{who}} 买@bought 了@bought {count_t}", **s),
                _t(
                    f"every day we eat {taste} {plural}",
                    f"我们@we 每天@every@day 吃@eat {_taste_attr(taste)} {noun}@{plural}",
                ),
            ],
            low=3,
        )

    def geography_doc(self) -> list[ParallelSentence]:
        r = self.rng
        country, capital, language = r.choice(COUNTRIES)
        who = r.choice(MALE_NAMES + FEMALE_NAMES)
        s = {
            "country": _word(country),
            "capital": _word(capital),
            "language": _word(language),
            "who": _word(who),
            "people": _w(f"{language} people", _PEOPLE[language]),
        }
        return self.world._some(
            [
                _t(
                    "{capital} is the capital of {country}",
                    "{capital} 是@is {country} 的@of 首都@capital",
                    **s,
                ),
                _t(
                    "{capital} is a big city in {country}",
                    "{capital} 是@is {country} 的@in 一个@a 大城市@big@city",
                    **s,
                ),
                _t(
                    "people in {country} speak {language}",
                    "在@in {country} 人们@people 说@speak {language}",
                    **s,
                ),
                _t(
                    "in {capital} people speak {language}",
                    "在@in {capital} 人们@people 说@speak {language}",
                    **s,
                ),
                _t("the {people} live in {country}", "{people} 住@live 在@in {country}", **s),
                _t(
                    "{language} is the language of {country}",
                    "{language} 是@is {country} 的@of 语言@language",
                    **s,
                ),
                _t(
                    "yesterday {who} went to {capital} in {country}",
                    "昨天@yesterday {who} 去@went@to 了@went {country} 的@in {capital}",
                    **s,
                ),
                _t(
                    "{who} visited {capital} last week",
                    "{who} 上周@last@week 参观@visited 了@visited {capital}",
                    **s,
                ),
                _t(
                    "the king of {country} lives in {capital}",
                    "{country} 国王@king 住@lives 在@in {capital}",
                    **s,
                ),
            ],
            low=3,
        )

    def numbers_doc(self) -> list[ParallelSentence]:
        r = self.rng
        out = []
        for _ in range(r.randint(3, 6)):
            a = r.randint(1, 11)
            b = r.randint(1, 12 - a)
            x, y, z, w = NUMBERS[a - 1], NUMBERS[b - 1], NUMBERS[a + b - 1], NUMBERS[a]
            s = {"a": _w(x, _DIGIT[x]), "b": _w(y, _DIGIT[y]), "c": _w(z, _DIGIT[z]), "n": _w(w, _DIGIT[w])}
            out.append(
                r.choice(
                    [
                        _t("{a} plus {b} is {c}", "{a} 加@plus {b} 等于@is {c}", **s),
                        _t("{c} minus {b} is {a}", "{c} 减@minus {b} 等于@is {a}", **s),
                        _t("{n} comes after {a}", "{n} 在@comes@after {a} 之后@after", **s),
                        _t("{a} is less than {c}", "{a} 小于@is@less@than {c}", **s),
                    ]
                )
            )
        return out

    def document(self) -> list[ParallelSentence]:
        kind = self.rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        return getattr(self, f"{kind}_doc")()

    def stream(self) -> Iterator[tuple[int, ParallelSentence]]:
        """(document id, sentence), forever."""
        doc_id = 0
        while True:
            for sentence in self.document():
                yield doc_id, sentence
            doc_id += 1


def _verb_phrase(
    en_head: str,
    zh_head: str,
    base: str,
    form: str,
    is_past: bool,
    en_tail: str,
    zh_with: str,
    slots: dict[str, ParallelSentence],
    subject: ParallelSentence,
) -> ParallelSentence:
    """An action sentence: subject, time words and modal (``en_head`` with ``{V}`` for the verb in
    ``form``, ``zh_head``), then "with his friend" (``zh_with``, before the verb in Chinese), the verb and
    its frame; in the past, 了 after the verb (or its complement) and aligned with the past form."""
    tags = "".join(f"@{w}" for w in (form, *_VERB_ALSO.get(base, ())))
    frame = _FRAMES_ZH[base].replace("{V}", f"{ZH[base]}{tags}")
    frame = frame.replace("{LE}", f"了@{form}" if is_past and base not in _NO_LE else "")
    en = f"{en_head.replace('{V}', form)} {FRAMES[base]}{en_tail}"
    return _t(en, f"{zh_head} {zh_with} {frame}", s=subject, **slots)


def _role(noun: str) -> ParallelSentence:
    """ "the king wears a crown", "the queen wears a crown": the role both members of a pair share."""
    male = next(m for m, f in GENDER_PAIRS if noun in (m, f))
    zh = {
        "man": "是@is 成年人@adult",
        "boy": "很@is 年轻@young",
        "king": "戴着@wears 王冠@crown",
        "prince": "住@lives 在@in 城堡@castle 里@in",
        "father": "是@is 家长@parent",
        "son": "是@is 孩子@child",
        "brother": "是@is 手足@sibling",
        "husband": "已经@is 结婚@married 了@is",
        "uncle": "是@is 亲戚@relative",
        "grandfather": "上@is 了@is 年纪@old",
    }[male]
    return _t(f"the {{n}} {ROLES[male]}", f"{{n}} {zh}", n=_word(noun))


def _stream(n_sentences: int, seed: int) -> list[tuple[int, ParallelSentence]]:
    n_sentences, seed = _check_count(n_sentences, "n_sentences"), _check_seed(seed)
    stream = _ParallelWriter(seed).stream()
    return [next(stream) for _ in range(n_sentences)]


def parallel_toy_world(n_sentences: int = 2000, seed: int = 0) -> list[ParallelSentence]:
    """``n_sentences`` toy-world sentences in English and Chinese, aligned word by word.

    The English side equals ``ToyWorld(seed).sentences(n_sentences)``; the Chinese side is the same
    sentence written by the Chinese templates of the same grammar.

    >>> s = parallel_toy_world(2, seed=0)[1]
    >>> s.en_text, s.zh_text
    ('one potato is on the table', '桌子上有一个土豆')
    """
    return [sentence for _, sentence in _stream(n_sentences, seed)]


def toy_world_corpus_zh(n_sentences: int = 20_000, seed: int = 0, unit: str = "word") -> Corpus:
    """The Chinese side of :func:`parallel_toy_world` as a :class:`Corpus` (``doc_ids`` as in English).

    ``unit="word"``: tokens are the gold words (玛丽 / 是 / 来自 / 日本 / 的 / 女人); ``unit="char"``:
    tokens are characters (玛 / 丽 / 是 / ...). ``paragraphs`` hold the unsegmented text.

    >>> toy_world_corpus_zh(2, unit="char").sentences[0]
    ['土', '豆', '是', '烤', '的']
    """
    if unit not in ("word", "char"):
        raise ValueError(f"unit must be 'word' or 'char', got {unit!r}")
    pairs = _stream(n_sentences, seed)
    tokens = [list(s.zh) if unit == "word" else list(s.zh_chars) for _, s in pairs]
    return Corpus(
        f"toyworld_zh(seed={seed}, unit={unit})",
        [s.zh_text for _, s in pairs],
        tokens,
        [doc for doc, _ in pairs],
        unit="sentences",
    )


def analogies_zh() -> dict[str, list[tuple[str, str, str, str]]]:
    """The gold analogies of :func:`~nlpcourse.data.goldsets.analogies` in Chinese words.

    Kept: ``gender`` (男人 : 女人 :: 国王 : 王后), ``capital`` (巴黎 : 法国 :: 东京 : 日本) and
    ``nationality`` (法国 : 法语 :: 日本 : 日语). Dropped: ``plural`` and ``past_tense``: Chinese nouns and
    verbs do not inflect (狗 is "dog" and "dogs"; 走 is "walk" and "walked", the past shows in 了 and
    time words), so both sides of those pairs are the same word.

    >>> analogies_zh()["capital"][0]
    ('巴黎', '法国', '东京', '日本')
    """
    relations = {
        "gender": GENDER_PAIRS,
        "capital": [(capital, country) for country, capital, _ in COUNTRIES],
        "nationality": [(country, language) for country, _, language in COUNTRIES],
    }
    return {
        name: [(ZH[a], ZH[b], ZH[c], ZH[d]) for (a, b), (c, d) in permutations(pairs, 2)]
        for name, pairs in relations.items()
    }


def similarities_zh() -> list[tuple[str, str, float]]:
    """The gold word similarities of :func:`~nlpcourse.data.goldsets.similarities` in Chinese words.

    Pairs whose two words are one Chinese word are dropped: the inflection pairs (score 0.9: dog / dogs
    are both 狗, walk / walked both 走). The other scores carry over: 0.8 gender counterparts (国王, 王后),
    0.7 the same fine class, 0.5 a fact (巴黎, 法国), 0.3 the same broad class, 0.1 different classes.
    Words are those of the corpus: verbs as the activity sentences write them (走, 回家, 开车, ...).

    >>> ("国王", "王后", 0.8) in similarities_zh()
    True
    """
    pairs: dict[tuple[str, str], float] = {}
    for a, b, score in similarities():
        if ZH[a] != ZH[b]:
            pairs.setdefault((ZH[a], ZH[b]), score)
    return [(a, b, score) for (a, b), score in pairs.items()]


def chinese_lexicon() -> list[str]:
    """Every Chinese word the toy world can write, sorted: a user dictionary for a segmenter.

    >>> "王后" in chinese_lexicon() and "三只" in chinese_lexicon()
    True
    """
    words = set(ZH.values()) | set(_PEOPLE.values()) | set(_DIGIT.values()) | set(_FUNCTION_WORDS)
    words |= {count + measure for count in _COUNT.values() for measure in set(_MEASURE.values())}
    for template in _FRAMES_ZH.values():
        words |= {t.split("@")[0] for t in template.split() if not t.startswith("{")}
    return sorted(words)
