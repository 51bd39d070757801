# The two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SAMPLE ?= samples/pages/zh_roundtable.jpg
OUT ?= out
# The Latin font families are for design-randomised pages (samples/designs.py, samples/fonts.py FAMILIES;
# samples/browser/ for the browser-rendered ones).
APT_PACKAGES := fonts-noto-cjk fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-freefont-ttf fonts-crosextra-caladea \
	fonts-crosextra-carlito fonts-urw-base35 tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra-vert tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-script-frak tesseract-ocr-frk chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-fast setup system-packages lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,paddle,eval]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/broadsheet run $(SAMPLE) --out $(OUT)

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check broadsheet samples tests benchmarks evaluation
	@# The layers (pyproject.toml [tool.importlinter]): each imports only those below it; the product imports no
	@# evaluation, samples or benchmarks.
	$(BIN)/lint-imports

test: $(STAMP) system-packages lint
	@# With ../shared beside the clone (as in CI), a test that skips for want of its data fails the run
	@# (tests/shared_data.py).
	BROADSHEET_REQUIRE_SHARED=$$([ -d ../shared ] && echo 1 || echo 0) DO_NOT_TRACK=1 \
		PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/python -m pytest -q -rs

# The edit loop: everything but the tests that OCR whole pages or run a Prefect flow or a browser (marked slow).
# `make test` still runs all of them.
test-fast: $(STAMP) lint
	BROADSHEET_REQUIRE_SHARED=0 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false \
		$(BIN)/python -m pytest -q -rs -m "not slow"

bench: $(STAMP) system-packages
	$(BIN)/python -m benchmarks.pipeline_speed

clean:
	rm -rf $(OUT) .pytest_cache
