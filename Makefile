# Quick start: `make demo` runs the main job on the bundled samples, `make test` runs the tests.
# Both create .venv when missing and install the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
YEAR ?= 2023
RENDER_FORMATS ?= docx,html,pdf

.PHONY: demo test lint typecheck format libreoffice fonts mail ocr browser bench samples fuzz wheelhouse clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP) fonts
	rm -rf out/templates
	$(BIN)/nianbao generate --roster samples/roster.csv --year $(YEAR) --district 示范区 \
		--deadline $$(( $(YEAR) + 1 ))-01-15 --contact "区政务公开办 张敏 0371-12345678" \
		--password demo-$(YEAR) --generated-at $(YEAR)-12-01T09:00:00 --out out/templates
	@echo "== send --dry-run: the message to each agency as a .eml file (nothing is sent) =="
	rm -rf out/eml
	$(BIN)/nianbao send out/templates --sender office@example.org --dry-run out/eml \
		--deadline $$(( $(YEAR) + 1 ))-01-15 --contact "区政务公开办 张敏 0371-12345678"
	$(BIN)/nianbao check "samples/returned/*.xlsx" --roster samples/roster.csv --year $(YEAR) \
		--district 示范区 --json out/check.json
	@echo "== the invalid samples: errors found (exit code 1), findings workbook and feedback =="
	$(BIN)/nianbao check samples/returned/invalid --year $(YEAR) --district 示范区 --issued samples --quiet \
		--xlsx out/invalid/审核结果.xlsx --feedback out/invalid/审核意见 --password demo-$(YEAR) \
		--deadline $$(( $(YEAR) + 1 ))-01-20 --contact "区政务公开办 张敏 0371-12345678"; \
		test $$? -eq 1
	@echo "== the district rollup of the valid samples =="
	$(BIN)/nianbao rollup "samples/returned/*.xlsx" --roster samples/roster.csv --year $(YEAR) \
		--district 示范区 --out out/示范区$(YEAR)年度汇总.xlsx --csv out/rollup.csv \
		--generated-at $$(( $(YEAR) + 1 ))-02-01T09:00:00
	@echo "== the published reports of the valid samples and the district draft =="
	$(BIN)/nianbao render "samples/returned/*.xlsx" out/示范区$(YEAR)年度汇总.xlsx --out out/reports \
		--issued samples --format $(RENDER_FORMATS)
	@echo "== published reports back in: import the rendered web pages, compare them with the submissions =="
	rm -rf out/imported
	$(BIN)/nianbao import "out/reports/[A-Z]*.html" --roster samples/roster.csv --district 示范区 \
		--out out/imported --json out/import.json
	$(BIN)/nianbao compare --published out/imported --submitted "samples/returned/*.xlsx" \
		--xlsx out/差异.xlsx
	@echo "== the year as one workspace: init (with the samples' office key), check, status, rollup, render =="
	rm -rf out/年报
	$(BIN)/nianbao init out/年报 --year $(YEAR) --district 示范区 --roster samples/roster.csv \
		--issued samples --password demo-$(YEAR) --deadline $$(( $(YEAR) + 1 ))-01-15 \
		--contact "区政务公开办 张敏 0371-12345678" --generated-at $(YEAR)-12-01T09:00:00
	$(BIN)/nianbao check -w out/年报 "samples/returned/*.xlsx" --quiet
	$(BIN)/nianbao status -w out/年报
	$(BIN)/nianbao rollup -w out/年报 --generated-at $$(( $(YEAR) + 1 ))-02-01T09:00:00
	$(BIN)/nianbao render -w out/年报 --format html

libreoffice:
	bash scripts/ensure-libreoffice.sh

fonts:
	bash scripts/ensure-fonts.sh

mail:
	bash scripts/ensure-mail.sh

ocr:
	bash scripts/ensure-ocr.sh

browser:
	bash scripts/ensure-browser.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Also as Windows sees the code: a POSIX-only call on a path Windows takes fails here.
typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --platform win32

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP) libreoffice fonts mail ocr browser lint typecheck
	$(BIN)/python -m pytest

samples: $(STAMP) libreoffice
	$(BIN)/python samples/build.py --libreoffice

fuzz: $(STAMP)
	NIANBAO_FUZZ_EXAMPLES=$${NIANBAO_FUZZ_EXAMPLES:-10000} $(BIN)/python -m pytest tests/test_fuzz.py -q

# The benches (never part of `make test`): distinct files from four programs, the floors beside.
bench: $(STAMP) libreoffice
	bash scripts/ensure-bench-tools.sh
	$(BIN)/python bench/generate_speed.py
	$(BIN)/python bench/check_speed.py
	$(BIN)/python bench/reader_instructions.py --small 10 --large 30 --cpu-files 200

# An offline install folder for Windows office PCs (downloads; not part of `make test`).
wheelhouse: $(STAMP)
	rm -rf out/wheelhouse
	$(BIN)/python scripts/wheelhouse.py --out out/wheelhouse

clean:
	rm -rf out .pytest_cache .ruff_cache .mypy_cache
