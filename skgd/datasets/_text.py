"""A seeded generator of sparse, text-like classification data."""

import numbers

import numpy as np

__all__ = ["make_sparse_text"]

_TOPICS = ("sport", "science", "politics", "music", "cooking")
_TOPIC_WORDS = 300
_COMMON_WORDS = 2000


def make_sparse_text(
    n_samples=4000, *, n_features=2**14, random_state=0, return_documents=False
):
    """Generate hashed documents of five overlapping topics (classification).

    Each class is a topic (``"sport"``, ``"science"``, ``"politics"``,
    ``"music"``, ``"cooking"``) with a vocabulary of its own of 300 words. A
    document has 20 to 79 words: each is, with probability ``s`` (drawn
    uniformly in [0.1, 0.4] per document), a word of the document's topic;
    with probability 0.1 a word of any topic; otherwise one of 2000 common
    words. The documents are hashed by
    :class:`~sklearn.feature_extraction.text.HashingVectorizer`
    (``alternate_sign=False``, ``norm="l2"``), so every row has unit norm
    and about 50 non-zeros.

    It is the data of the sparse-text example, and of the sparse problem of
    ``benchmarks/accuracy_table.py``.

    Parameters
    ----------
    n_samples : int, default=4000
        Number of documents.

    n_features : int, default=2**14
        Number of hashed features (columns of ``X``).

    random_state : int, default=0
        Seed of the :func:`numpy.random.default_rng` generator that draws
        the labels, then the documents one after the other.

    return_documents : bool, default=False
        If True, also return the documents as strings.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_features)
        The hashed documents, float64.

    y : ndarray of shape (n_samples,), dtype='<U8'
        The topic of each document.

    documents : list of str
        The documents, only when ``return_documents`` is True.

    Examples
    --------
    >>> from skgd.datasets import make_sparse_text
    >>> X, y = make_sparse_text(200)
    >>> X.shape, X.format
    ((200, 16384), 'csr')
    >>> sorted(set(y.tolist()))
    ['cooking', 'music', 'politics', 'science', 'sport']
    """
    from sklearn.feature_extraction.text import HashingVectorizer

    for name, value in (("n_samples", n_samples), ("n_features", n_features)):
        if not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    rng = np.random.default_rng(random_state)
    topics = np.array(_TOPICS)
    vocabulary = np.array(
        [[f"{t[:3]}{i}" for i in range(_TOPIC_WORDS)] for t in topics]
    )
    common = np.array([f"word{i}" for i in range(_COMMON_WORDS)])

    def document(topic):
        n_words = rng.integers(20, 80)
        draw = rng.random(n_words)
        topic_share = rng.uniform(0.1, 0.4)
        own = vocabulary[topic, rng.integers(_TOPIC_WORDS, size=n_words)]
        other = vocabulary[
            rng.integers(len(topics), size=n_words),
            rng.integers(_TOPIC_WORDS, size=n_words),
        ]
        stock = common[rng.integers(len(common), size=n_words)]
        words = np.where(
            draw < topic_share, own, np.where(draw < topic_share + 0.1, other, stock)
        )
        return " ".join(words)

    label_codes = rng.integers(len(topics), size=n_samples)
    documents = [document(code) for code in label_codes]
    vectorizer = HashingVectorizer(
        n_features=n_features, alternate_sign=False, norm="l2"
    )
    X = vectorizer.transform(documents).tocsr()
    y = topics[label_codes]
    if return_documents:
        return X, y, documents
    return X, y
