"""Data: small classification sets with train/test splits, and their registry."""
from .datasets import DATASETS, Dataset, load_dataset

__all__ = ["DATASETS", "Dataset", "load_dataset"]
