"""Loader for the California housing data set shipped with skgd."""

import csv
import math
from importlib import resources

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_california_housing"]

_PACKAGE = "skgd.datasets"
_DATA_FILE = "california_housing.csv"
_DESCR_FILE = "california_housing.rst"

_NUMERIC_FEATURES = [
    "longitude",
    "latitude",
    "housing_median_age",
    "total_rooms",
    "total_bedrooms",
    "population",
    "households",
    "median_income",
]
_CATEGORICAL_FEATURE = "ocean_proximity"
_FEATURE_NAMES = [*_NUMERIC_FEATURES, _CATEGORICAL_FEATURE]
_TARGET_COLUMN = "median_house_value"
_TARGET_NAMES = ["MedHouseVal"]
_EXPECTED_HEADER = [*_NUMERIC_FEATURES, _TARGET_COLUMN, _CATEGORICAL_FEATURE]

# The target is stored in dollars; the loader reports it in units of $100,000.
_TARGET_SCALE = 100_000.0


def _parse_float(text, line_number, column):
    """Convert one CSV field to float; an empty field is a missing value."""
    text = text.strip()
    if not text:
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"{_DATA_FILE}, line {line_number}: cannot read {text!r} in column "
            f"{column!r} as a number."
        ) from None


def _read_csv():
    """Parse the shipped CSV file with the standard library.

    Returns
    -------
    numeric : ndarray of shape (n_samples, 8), dtype=float64
        The numeric feature columns, in file order, NaN where a field is empty.

    categorical : ndarray of shape (n_samples,), dtype=object
        The ``ocean_proximity`` labels as Python strings.

    target : ndarray of shape (n_samples,), dtype=float64
        ``median_house_value`` in dollars.
    """
    source = resources.files(_PACKAGE) / "data" / _DATA_FILE
    with source.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != _EXPECTED_HEADER:
            raise ValueError(
                f"{_DATA_FILE} has an unexpected header {header!r}; "
                f"expected {_EXPECTED_HEADER!r}."
            )
        position = {name: i for i, name in enumerate(header)}
        numeric_positions = [position[name] for name in _NUMERIC_FEATURES]
        target_position = position[_TARGET_COLUMN]
        categorical_position = position[_CATEGORICAL_FEATURE]

        numeric_rows = []
        categorical = []
        target = []
        for line_number, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise ValueError(
                    f"{_DATA_FILE}, line {line_number}: expected {len(header)} "
                    f"fields, found {len(row)}."
                )
            numeric_rows.append(
                [
                    _parse_float(row[i], line_number, header[i])
                    for i in numeric_positions
                ]
            )
            target.append(
                _parse_float(row[target_position], line_number, _TARGET_COLUMN)
            )
            label = row[categorical_position].strip()
            if not label:
                raise ValueError(
                    f"{_DATA_FILE}, line {line_number}: empty "
                    f"{_CATEGORICAL_FEATURE!r} value."
                )
            categorical.append(label)

    n_numeric = len(_NUMERIC_FEATURES)
    numeric = np.array(numeric_rows, dtype=np.float64).reshape(-1, n_numeric)
    categorical = np.array(categorical, dtype=object)
    target = np.array(target, dtype=np.float64)
    return numeric, categorical, target


def _as_object_array(numeric, categorical):
    """Stack the numeric block and the label column into one object array."""
    data = np.empty((numeric.shape[0], len(_FEATURE_NAMES)), dtype=object)
    # Assigning a float64 block into an object array stores Python floats.
    data[:, : len(_NUMERIC_FEATURES)] = numeric
    data[:, len(_NUMERIC_FEATURES)] = categorical
    return data


def _as_frame(numeric, categorical, target):
    """Build the pandas frame from the arrays produced by :func:`_read_csv`."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(
            "load_california_housing with as_frame=True requires pandas, which "
            "is not installed. Install it with `pip install pandas`, or call "
            "the loader with as_frame=False."
        ) from exc

    columns = {name: numeric[:, j] for j, name in enumerate(_NUMERIC_FEATURES)}
    levels = sorted(set(categorical))
    columns[_CATEGORICAL_FEATURE] = pd.Categorical(
        categorical.tolist(), categories=levels, ordered=False
    )
    columns[_TARGET_NAMES[0]] = target
    frame = pd.DataFrame(columns)
    data = frame[_FEATURE_NAMES]
    target = frame[_TARGET_NAMES[0]]
    return frame, data, target


def load_california_housing(*, return_X_y=False, as_frame=False):
    """Load the California housing data set (regression).

    The 1990 U.S. census data on California block groups, in the version with
    raw totals, 207 missing ``total_bedrooms`` values and the categorical
    ``ocean_proximity`` column. It is read from a CSV file shipped with the
    package; nothing is downloaded.

    =================   ===========================================
    Samples total       20640
    Dimensionality      9 (8 numeric, 1 categorical)
    Missing values      207, all in ``total_bedrooms``
    Target              real, 0.14999 - 5.00001 (units of $100,000)
    =================   ===========================================

    Unlike :func:`sklearn.datasets.fetch_california_housing`, which returns
    eight derived, complete numeric features (average rooms per household,
    and so on), this loader keeps the columns as they are in the file. The
    features must therefore be imputed, encoded and scaled before a linear
    model can be fitted; see the Examples section.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch object.

    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame, ``target`` a pandas Series
        and ``frame`` a DataFrame holding both. Requires pandas. The numeric
        columns have dtype ``float64`` (``total_bedrooms`` holds NaN where
        the value is missing) and ``ocean_proximity`` has a pandas
        ``category`` dtype whose categories are the five labels in sorted
        order. This is the recommended form for use with
        :class:`~sklearn.compose.ColumnTransformer`: columns can be selected
        by name or with :func:`~sklearn.compose.make_column_selector`
        (``dtype_include="number"`` / ``"category"``).

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (20640, 9), dtype=object, or DataFrame
            The features, in the column order of the file (every column
            except ``median_house_value``). With ``as_frame=False`` this is
            a NumPy array of dtype ``object``: columns 0 to 7 hold Python
            floats (NaN for the missing ``total_bedrooms`` values) and
            column 8 holds the ``ocean_proximity`` labels as strings. Select
            ``data[:, :8].astype(float)`` to get a numeric array. With
            ``as_frame=True`` it is a DataFrame of shape (20640, 9) with the
            dtypes described under ``as_frame``.
        target : ndarray of shape (20640,), dtype=float64, or Series
            Median house value of the block group in units of $100,000
            (the ``median_house_value`` column divided by 100,000). A Series
            named ``"MedHouseVal"`` when ``as_frame=True``.
        feature_names : list of str
            The nine feature names, in column order.
        target_names : list of str
            ``["MedHouseVal"]``.
        frame : DataFrame of shape (20640, 10) or None
            ``data`` with the target appended as a ``"MedHouseVal"`` column
            when ``as_frame=True``; None otherwise.
        DESCR : str
            Full description of the data set.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` described above.

    Raises
    ------
    ImportError
        If ``as_frame=True`` and pandas is not installed.

    See Also
    --------
    sklearn.datasets.fetch_california_housing : The derived eight-feature
        version of the same census data, downloaded on first use.

    Notes
    -----
    The raw features differ in scale by up to five orders of magnitude
    (``median_income`` runs from 0.4999 to 15.0001, ``total_rooms`` reaches
    39,320), so gradient-descent solvers need standardized inputs, for
    instance through :class:`~sklearn.preprocessing.StandardScaler`.

    The rows are grouped geographically. Shuffle before splitting, for example
    with ``KFold(n_splits=5, shuffle=True)``; contiguous folds give a
    pessimistic and unstable estimate of the score.

    Examples
    --------
    >>> from skgd.datasets import load_california_housing
    >>> housing = load_california_housing()
    >>> housing.data.shape, housing.target.shape
    ((20640, 9), (20640,))
    >>> housing.data.dtype
    dtype('O')
    >>> housing.feature_names[-1]
    'ocean_proximity'
    >>> housing.target_names
    ['MedHouseVal']

    With pandas, the frame form plugs into a column transformer:

    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.impute import SimpleImputer
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import OneHotEncoder, StandardScaler
    >>> X, y = load_california_housing(return_X_y=True, as_frame=True)
    >>> X["ocean_proximity"].cat.categories.tolist()
    ['<1H OCEAN', 'INLAND', 'ISLAND', 'NEAR BAY', 'NEAR OCEAN']
    >>> numeric = X.columns[:-1].tolist()
    >>> preprocess = make_column_transformer(
    ...     (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
    ...      numeric),
    ...     (OneHotEncoder(handle_unknown="ignore"), ["ocean_proximity"]),
    ... )
    >>> model = make_pipeline(preprocess, Ridge()).fit(X, y)
    >>> model.predict(X.iloc[:3]).shape
    (3,)
    """
    for name, value in (("return_X_y", return_X_y), ("as_frame", as_frame)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(
                f"{name} must be a bool, got {type(value).__name__} {value!r}."
            )

    numeric, categorical, target_dollars = _read_csv()
    target = target_dollars / _TARGET_SCALE

    frame = None
    if as_frame:
        frame, data, target = _as_frame(numeric, categorical, target)
    else:
        data = _as_object_array(numeric, categorical)

    if return_X_y:
        return data, target

    descr = (resources.files(_PACKAGE) / "descr" / _DESCR_FILE).read_text(
        encoding="utf-8"
    )
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=list(_FEATURE_NAMES),
        target_names=list(_TARGET_NAMES),
        DESCR=descr,
    )
