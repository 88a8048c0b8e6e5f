@echo off
rem nianbao @VERSION@: offline install from this folder (no internet needed).
rem Kept in UTF-8 in the repository; scripts/wheelhouse.py writes it out in GBK with CRLF.
setlocal
set "HERE=%~dp0"
set "TARGET=%LOCALAPPDATA%\nianbao"
set "VENV=%TARGET%\venv"
set "PY="

echo 正在安装 年报工具 nianbao @VERSION@（离线安装，不需要联网）
echo.

rem The Python launcher first (newest supported version first), then python on PATH.
for %%v in (@PYTHONS@) do call :find py -%%v
call :find python
if not defined PY goto nopython
echo 使用的 Python：%PY%

if not exist "%TARGET%" mkdir "%TARGET%"
%PY% -m venv --clear "%VENV%"
if errorlevel 1 goto failed
"%VENV%\Scripts\python.exe" -m pip install --disable-pip-version-check --no-index --find-links "%HERE%." -r "%HERE%requirements.txt"
if errorlevel 1 goto failed
"%VENV%\Scripts\nianbao.exe" --version
if errorlevel 1 goto failed

rem A double-click launcher for the web workbench, in the install folder and on the desktop.
> "%TARGET%\年报工作台.bat" echo @echo off
>> "%TARGET%\年报工作台.bat" echo cd /d "%%USERPROFILE%%\Documents"
>> "%TARGET%\年报工作台.bat" echo "%VENV%\Scripts\nianbao.exe" serve %%*
>> "%TARGET%\年报工作台.bat" echo pause
if exist "%USERPROFILE%\Desktop" copy /y "%TARGET%\年报工作台.bat" "%USERPROFILE%\Desktop\" >nul

echo.
echo 安装完成。
echo 网页工作台：双击桌面上的“年报工作台.bat”（也在 %TARGET% 中）。
echo 命令行程序：%VENV%\Scripts\nianbao.exe
echo.
pause
exit /b 0

:find
if defined PY goto :eof
%* -c "import struct, sys; sys.exit(0 if (@LOWEST_TUPLE@) <= sys.version_info[:2] <= (@HIGHEST_TUPLE@) and struct.calcsize('P') == 8 else 1)" >nul 2>nul
if not errorlevel 1 set "PY=%*"
goto :eof

:nopython
echo 没有找到可用的 Python。
echo 需要 64 位的 Python @LOWEST@ 至 @HIGHEST@（Windows 版，安装时勾选“Add python.exe to PATH”或安装 py 启动器）。
echo 请向信息中心索取 Python 安装包，安装后再次双击本文件。
echo.
pause
exit /b 1

:failed
echo.
echo 安装没有完成，请把本窗口的内容截图发给维护人员。
echo.
pause
exit /b 1
