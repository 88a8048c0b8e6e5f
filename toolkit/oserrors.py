"""Operating-system errors in Chinese: the reason shown when a file cannot be read or written.

Python gives `strerror` in English ("No such file or directory"); a clerk reads Chinese. The common
errors are named here by errno, so the text is the same on every platform; any other error keeps
the system's own words after a Chinese lead.
"""

from __future__ import annotations

import errno

__all__ = ["os_reason"]

_REASONS = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.EACCES: "没有访问权限",
    errno.EPERM: "操作不被允许",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "磁盘为只读",
    errno.EEXIST: "已存在同名文件",
    errno.ENOTDIR: "路径中有一项不是文件夹",
    errno.EISDIR: "这是一个文件夹",
    errno.ENAMETOOLONG: "文件名或路径过长",
    errno.EBUSY: "文件正被占用",
    errno.EIO: "读写出错（磁盘或网络故障）",
    errno.EINVAL: "参数无效（文件名中可能有不允许的字符）",
    errno.EMFILE: "同时打开的文件过多",
    errno.EXDEV: "不能跨磁盘移动",
    errno.ENOTEMPTY: "文件夹不为空",
}


def os_reason(exc: BaseException) -> str:
    """A short Chinese reason for an OSError (or any exception, by its text)."""
    number = getattr(exc, "errno", None)
    if number in _REASONS:
        return _REASONS[number]
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"系统错误：{text}" if number else text  # errno 0: our own Chinese reason
