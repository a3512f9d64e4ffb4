"""Standardized train/test splits of the real data sets of the accuracy
benchmark (``benchmarks/accuracy_table.py``) and of the tests that sample it.

Every split holds out 25% of the rows with ``random_state=0`` (stratified
for the classification sets); the scaling is fitted on the training part.
"""

import numpy as np

__all__ = ["housing_split", "problem_split"]


def housing_split(test_size=0.25, random_state=0):
    """The California housing design: numeric columns imputed (median) and
    standardized, ``ocean_proximity`` one-hot, fitted on the training part.

    Returns ``X_train, X_test, y_train, y_test`` (dense float64 arrays).
    """
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from skgd.datasets._california import load_california_housing

    data, target = load_california_housing(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        data, target, test_size=test_size, random_state=random_state
    )
    preprocess = make_column_transformer(
        (
            make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
            list(range(8)),
        ),
        (OneHotEncoder(handle_unknown="ignore", sparse_output=False), [8]),
    )
    X_train = preprocess.fit_transform(X_train).astype(np.float64)
    X_test = preprocess.transform(X_test).astype(np.float64)
    return X_train, X_test, y_train, y_test


def _scaled(X, y, stratify, test_size, random_state):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=random_state,
        stratify=y if stratify else None,
    )  # fmt: skip
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def problem_split(name, test_size=0.25, random_state=0):
    """``X_train, X_test, y_train, y_test`` of one named data set:
    ``"housing"``, ``"diabetes"`` (standardized X, the target as it is),
    ``"breast_cancer"``, ``"digits"`` (standardized; constant columns stay
    zero) or ``"text"`` (:func:`make_sparse_text`'s CSR matrix as it is:
    rows of unit norm)."""
    from sklearn import datasets

    if name == "housing":
        return housing_split(test_size, random_state)
    if name == "text":
        from sklearn.model_selection import train_test_split

        from skgd.datasets._text import make_sparse_text

        X, y = make_sparse_text(random_state=0)
        return train_test_split(
            X, y, test_size=test_size, random_state=random_state, stratify=y
        )
    loaders = {
        "diabetes": (datasets.load_diabetes, False),
        "breast_cancer": (datasets.load_breast_cancer, True),
        "digits": (datasets.load_digits, True),
    }
    if name not in loaders:
        raise ValueError(f"unknown problem {name!r}")
    loader, stratify = loaders[name]
    X, y = loader(return_X_y=True)
    return _scaled(X.astype(np.float64), y, stratify, test_size, random_state)
