"""latm: large language models as tool makers."""
__version__ = "0.0.1"
