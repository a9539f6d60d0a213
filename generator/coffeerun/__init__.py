"""coffeerun: private advocate microsites and slide kits from one YAML file per campaign."""

__version__ = "0.1.0"
