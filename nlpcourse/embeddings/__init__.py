"""Chapter 02: word embeddings, word2vec and GloVe.

One module per concept, in the order the chapter teaches them:

* :mod:`~nlpcourse.embeddings.sampling`: vocabulary, subsampling of frequent words, dynamic windows,
  skip-gram pairs and CBOW windows, the unigram^0.75 noise distribution.
* :mod:`~nlpcourse.embeddings.word2vec`: the negative-sampling loss and its gradients, the
  :class:`SkipGram` and :class:`CBOW` modules, and :func:`train_word2vec`.
* :mod:`~nlpcourse.embeddings.fast`: the same training loop compiled with numba (word2vec's C
  algorithm; as fast as gensim), used by :func:`train_word2vec` by default.
* :mod:`~nlpcourse.embeddings.glove`: co-occurrence counts, the weighting function, :class:`GloVe`,
  :func:`train_glove`.
* :mod:`~nlpcourse.embeddings.vectors`: :class:`WordVectors` (neighbours, 3CosAdd / 3CosMul analogies,
  the word2vec text format that gensim reads and writes).
* :mod:`~nlpcourse.embeddings.evaluate`: analogy accuracy, similarity correlation, neighbour overlap.
* :mod:`~nlpcourse.embeddings.projection`: PCA and t-SNE plots, a neighbour explorer.
* :mod:`~nlpcourse.threads`: why the PyTorch trainers run on one thread.

    from nlpcourse.data.docstrings import docstring_corpus
    vectors, history = train_word2vec(docstring_corpus(), Word2VecConfig(seed=0))  # 2-3 s, 1 thread
    vectors.most_similar("thread", topn=3)  # [('lock', 0.87), ('running', 0.86), ('locked', 0.86)]
"""

from nlpcourse.embeddings.evaluate import (
    AnalogyResult,
    analogy_accuracy,
    neighbour_overlap,
    random_vectors,
    similarity_correlation,
    spearman,
)
from nlpcourse.embeddings.glove import GloVe, GloVeConfig, cooccurrence_counts, glove_weight, train_glove
from nlpcourse.embeddings.projection import (
    neighbour_explorer,
    pca_2d,
    plot_neighbours,
    plot_projection,
    tsne_2d,
)
from nlpcourse.embeddings.sampling import (
    build_vocab,
    cbow_windows,
    encode,
    keep_probabilities,
    noise_distribution,
    skipgram_pairs,
    subsample,
)
from nlpcourse.embeddings.vectors import UnknownWordError, WordVectors, cosine_similarity
from nlpcourse.embeddings.word2vec import (
    CBOW,
    SkipGram,
    Word2VecConfig,
    negative_sampling_grads,
    negative_sampling_loss,
    train_word2vec,
)

__all__ = [
    "build_vocab",
    "encode",
    "keep_probabilities",
    "subsample",
    "noise_distribution",
    "skipgram_pairs",
    "cbow_windows",
    "Word2VecConfig",
    "negative_sampling_loss",
    "negative_sampling_grads",
    "SkipGram",
    "CBOW",
    "train_word2vec",
    "GloVeConfig",
    "cooccurrence_counts",
    "glove_weight",
    "GloVe",
    "train_glove",
    "WordVectors",
    "UnknownWordError",
    "cosine_similarity",
    "AnalogyResult",
    "analogy_accuracy",
    "spearman",
    "similarity_correlation",
    "neighbour_overlap",
    "random_vectors",
    "pca_2d",
    "tsne_2d",
    "plot_projection",
    "plot_neighbours",
    "neighbour_explorer",
]
