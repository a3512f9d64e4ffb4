"""The California housing loader: contents, both output forms and their
agreement, and that the data support the documented modelling recipe."""

import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils import Bunch

from skgd.datasets import load_california_housing

N_SAMPLES = 20640
NUMERIC = [
    "longitude",
    "latitude",
    "housing_median_age",
    "total_rooms",
    "total_bedrooms",
    "population",
    "households",
    "median_income",
]
FEATURES = [*NUMERIC, "ocean_proximity"]
BEDROOMS = FEATURES.index("total_bedrooms")
OCEAN_COUNTS = {
    "<1H OCEAN": 9136,
    "INLAND": 6551,
    "ISLAND": 5,
    "NEAR BAY": 2290,
    "NEAR OCEAN": 2658,
}
FIRST_ROW = [-122.23, 37.88, 41.0, 880.0, 129.0, 322.0, 126.0, 8.3252, "NEAR BAY"]
LAST_ROW = [-121.24, 39.37, 16.0, 2785.0, 616.0, 1387.0, 530.0, 2.3886, "INLAND"]


@pytest.fixture(scope="module")
def housing():
    return load_california_housing()


@pytest.fixture(scope="module")
def housing_frame():
    pytest.importorskip("pandas")
    return load_california_housing(as_frame=True)


def preprocessing(numeric, categorical):
    return make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        (OneHotEncoder(handle_unknown="ignore"), categorical),
    )


# ---------------------------------------------------------------- numpy form


def test_bunch_contents(housing):
    assert isinstance(housing, Bunch)
    assert set(housing) == {
        "data",
        "target",
        "frame",
        "feature_names",
        "target_names",
        "DESCR",
    }
    assert housing.data.shape == (N_SAMPLES, 9)
    assert housing.target.shape == (N_SAMPLES,)
    assert housing.feature_names == FEATURES
    assert housing.target_names == ["MedHouseVal"]
    assert housing.frame is None


def test_numpy_dtypes(housing):
    data = housing.data
    assert isinstance(data, np.ndarray)
    assert data.dtype == object
    assert all(type(value) is float for value in data[:, :8].ravel())
    assert all(type(value) is str for value in data[:, 8])
    assert data[:, :8].astype(np.float64).dtype == np.float64
    assert housing.target.dtype == np.float64


def test_known_rows(housing):
    assert housing.data[0].tolist() == FIRST_ROW
    assert housing.data[-1].tolist() == LAST_ROW
    assert housing.target[0] == 4.526
    assert housing.target[-1] == 0.894


def test_missing_values_numpy(housing):
    numeric = housing.data[:, :8].astype(np.float64)
    missing = np.isnan(numeric)
    assert missing[:, BEDROOMS].sum() == 207
    assert missing.sum() == 207
    assert not np.isnan(housing.target).any()


def test_target_range(housing):
    target = housing.target
    assert target.min() == 0.14999
    assert target.max() == 5.00001
    # The census top-codes the house value; 965 block groups sit at the cap.
    assert np.sum(target == 5.00001) == 965


def test_ocean_proximity_numpy(housing):
    levels, counts = np.unique(housing.data[:, 8].astype(str), return_counts=True)
    assert dict(zip(levels.tolist(), counts.tolist())) == OCEAN_COUNTS


def test_return_X_y_numpy(housing):
    X, y = load_california_housing(return_X_y=True)
    assert isinstance(X, np.ndarray) and X.dtype == object
    assert_array_equal(X[:, 8], housing.data[:, 8])
    assert_array_equal(X[:, :8].astype(float), housing.data[:, :8].astype(float))
    assert_array_equal(y, housing.target)


def test_calls_return_independent_arrays():
    first = load_california_housing()
    first.data[0, 0] = 0.0
    first.target[0] = -1.0
    second = load_california_housing()
    assert second.data[0, 0] == FIRST_ROW[0]
    assert second.target[0] == 4.526


def test_descr(housing):
    descr = housing.DESCR
    assert isinstance(descr, str)
    assert "California housing dataset" in descr
    for text in ("207", "StandardScaler", "Pace", "1990", "$100,000"):
        assert text in descr
    for label, count in OCEAN_COUNTS.items():
        assert label in descr
        assert str(count) in descr


def test_numpy_form_does_not_need_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    X, y = load_california_housing(return_X_y=True)
    assert X.shape == (N_SAMPLES, 9)


def test_frame_form_without_pandas_raises(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        load_california_housing(as_frame=True)


@pytest.mark.parametrize("name", ["return_X_y", "as_frame"])
@pytest.mark.parametrize("value", [1, "yes", None])
def test_flags_must_be_bool(name, value):
    with pytest.raises(TypeError, match=name):
        load_california_housing(**{name: value})


# ---------------------------------------------------------------- frame form


def test_frame_dtypes(housing_frame):
    pd = pytest.importorskip("pandas")
    data, target, frame = housing_frame.data, housing_frame.target, housing_frame.frame
    assert isinstance(data, pd.DataFrame)
    assert data.shape == (N_SAMPLES, 9)
    assert data.columns.tolist() == FEATURES
    for name in NUMERIC:
        assert data[name].dtype == np.float64
    ocean = data["ocean_proximity"]
    assert isinstance(ocean.dtype, pd.CategoricalDtype)
    assert ocean.cat.categories.tolist() == sorted(OCEAN_COUNTS)
    assert not ocean.cat.ordered

    assert isinstance(target, pd.Series)
    assert target.name == "MedHouseVal"
    assert target.dtype == np.float64

    assert isinstance(frame, pd.DataFrame)
    assert frame.columns.tolist() == [*FEATURES, "MedHouseVal"]
    pd.testing.assert_frame_equal(frame[FEATURES], data)
    pd.testing.assert_series_equal(frame["MedHouseVal"], target)


def test_missing_values_frame(housing_frame):
    missing = housing_frame.data.isna().sum()
    assert missing["total_bedrooms"] == 207
    assert missing.sum() == 207
    assert housing_frame.frame.isna().sum().sum() == 207


def test_ocean_proximity_frame(housing_frame):
    counts = housing_frame.data["ocean_proximity"].value_counts()
    assert counts.to_dict() == OCEAN_COUNTS


def test_return_X_y_frame(housing_frame):
    pd = pytest.importorskip("pandas")
    X, y = load_california_housing(return_X_y=True, as_frame=True)
    pd.testing.assert_frame_equal(X, housing_frame.data)
    pd.testing.assert_series_equal(y, housing_frame.target)


def test_numpy_and_frame_agree(housing, housing_frame):
    frame_data = housing_frame.data
    numeric = housing.data[:, :8].astype(np.float64)
    # assert_array_equal treats NaNs in the same places as equal.
    assert_array_equal(frame_data[NUMERIC].to_numpy(), numeric)
    assert frame_data["ocean_proximity"].astype(str).tolist() == (
        housing.data[:, 8].tolist()
    )
    assert_array_equal(housing_frame.target.to_numpy(), housing.target)
    assert housing_frame.DESCR == housing.DESCR
    assert housing_frame.feature_names == housing.feature_names
    assert housing_frame.target_names == housing.target_names


# ---------------------------------------------------------------- modelling


def test_linear_pipeline_cross_validated_r2(housing_frame):
    X, y = housing_frame.data, housing_frame.target
    model = make_pipeline(preprocessing(NUMERIC, ["ocean_proximity"]), Ridge())
    cv = KFold(n_splits=5, shuffle=True, random_state=0)
    scores = cross_val_score(model, X, y, cv=cv, scoring="r2")
    # A linear model reaches about 0.64 on these features.
    assert 0.55 < scores.mean() < 0.75
    assert scores.min() > 0.55


def test_numpy_form_fits_like_frame_form(housing, housing_frame):
    by_index = make_pipeline(preprocessing(list(range(8)), [8]), Ridge())
    by_name = make_pipeline(preprocessing(NUMERIC, ["ocean_proximity"]), Ridge())
    by_index.fit(housing.data, housing.target)
    by_name.fit(housing_frame.data, housing_frame.target)
    np.testing.assert_allclose(
        by_index.predict(housing.data[:100]),
        by_name.predict(housing_frame.data.iloc[:100]),
        rtol=1e-12,
    )


def test_make_sparse_text_shape_labels_and_seed():
    from skgd.datasets import make_sparse_text

    X, y = make_sparse_text(300, n_features=2**10, random_state=1)
    assert X.format == "csr" and X.shape == (300, 2**10)
    assert X.dtype == np.float64 and y.shape == (300,)
    assert set(y) == {"sport", "science", "politics", "music", "cooking"}
    np.testing.assert_allclose(np.sqrt(X.multiply(X).sum(axis=1)).ravel(), 1.0)
    X2, y2, documents = make_sparse_text(
        300, n_features=2**10, random_state=1, return_documents=True
    )
    assert_array_equal(y, y2)
    assert (X != X2).nnz == 0
    assert len(documents) == 300 and all(isinstance(d, str) for d in documents)
    X3, y3 = make_sparse_text(300, n_features=2**10, random_state=2)
    assert (y != y3).any()


def test_standardized_housing_split():
    from skgd.datasets._problems import housing_split

    X_train, X_test, y_train, y_test = housing_split()
    assert X_train.shape == (15480, 13) and X_test.shape == (5160, 13)
    assert not np.isnan(X_train).any() and not np.isnan(X_test).any()
    np.testing.assert_allclose(X_train[:, :8].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X_train[:, :8].std(axis=0), 1.0)
    assert_array_equal(X_train[:, 8:].sum(axis=1), 1.0)
    assert y_train.shape == (15480,) and y_test.shape == (5160,)
