"""Data: small classification sets with train/test splits and their registry; one's own data (arrays, CSV)."""
from . import csv as _csv  # noqa: F401  (registers the data set 'csv')
from .datasets import (
    DATASETS,
    MAX_CLASSES,
    MAX_ROWS,
    DataError,
    Dataset,
    DatasetSpec,
    dataset_spec,
    list_datasets,
    load_dataset,
    register_dataset,
)

__all__ = ["DATASETS", "MAX_CLASSES", "MAX_ROWS", "DataError", "Dataset", "DatasetSpec", "dataset_spec",
           "list_datasets", "load_dataset", "register_dataset"]
