"""Data: small classification sets with train/test splits, one's own data from arrays or CSV files."""
from .datasets import DATASETS, MAX_CLASSES, MAX_ROWS, DataError, Dataset, load_dataset

__all__ = ["DATASETS", "MAX_CLASSES", "MAX_ROWS", "DataError", "Dataset", "load_dataset"]
