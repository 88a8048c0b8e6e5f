"""nianbao: generate, check and roll up 政府信息公开工作年度报告 workbooks in the national 2021 format."""

__version__ = "0.1.0"
__all__ = ["__version__"]
