"""Data: small classification sets with train/test splits, and their registry."""
from .datasets import DATASETS, Dataset, DatasetSpec, dataset_spec, list_datasets, load_dataset, register_dataset

__all__ = ["DATASETS", "Dataset", "DatasetSpec", "dataset_spec", "list_datasets", "load_dataset", "register_dataset"]
