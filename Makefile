# Two commands do all the set-up on a fresh Debian 12 machine with Python 3.11:
#   make run    reconstructs a bundled sample photo into out/ (creates .venv first)
#   make test   runs lint (ruff, the import contracts, the type check) and the test suite
#               (creates .venv first)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE := resources/samples/sunset_lomiri.jpg

.PHONY: run test lint bench clean host-tools hosts package bundle

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "HDR Studio needs Python >= 3.11 (found: $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || \
		{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		  apt-get update -qq && apt-get install -y -qq python3-venv; } || \
		{ echo "Python's venv module is missing: install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned to the CPU wheel on this set-up path (see README for CUDA).
	$(BIN)/python -m pip install --quiet "torch==2.13.0" -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	mkdir -p out
	$(BIN)/hdr-studio analyze $(SAMPLE)
	$(BIN)/hdr-studio reconstruct $(SAMPLE) -o out/sample_pq2020.png --force
	$(BIN)/hdr-studio reconstruct $(SAMPLE) -o out/sample_linear.exr --force
	@echo "Wrote out/sample_pq2020.png (PQ, Rec.2020, 16-bit) and out/sample_linear.exr"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pyright

# The freedesktop validators the desktop-integration tests run, and an X server for the app's
# X11 tests (Debian packages; installed when missing and we are root with apt, else those
# tests skip and say why).
host-tools:
	@command -v desktop-file-validate >/dev/null && command -v appstreamcli >/dev/null || \
		{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		  { apt-get install -y -qq desktop-file-utils appstream >/dev/null 2>&1 || \
		    { apt-get update -qq && apt-get install -y -qq desktop-file-utils appstream >/dev/null; }; }; } || \
		echo "note: desktop-file-utils/appstream not installed; their tests will skip"
	@# A real X server for the app's window-class and HDR-view tests (Xvfb, xprop, xdotool).
	@command -v Xvfb >/dev/null && command -v xprop >/dev/null && command -v xdotool >/dev/null || \
		{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		  { apt-get install -y -qq xvfb x11-utils xdotool libxcb-icccm4 libxcb-keysyms1 >/dev/null 2>&1 || \
		    { apt-get update -qq && apt-get install -y -qq xvfb x11-utils xdotool libxcb-icccm4 libxcb-keysyms1 >/dev/null; }; }; } || \
		echo "note: Xvfb/xprop/xdotool not installed; the app's X11 tests will skip"

# The real hosts the plug-in tests drive: Krita 5 from Debian, and GIMP 3 in a Debian 13 root
# built once and cached in /var/cache/hdr-studio (needs root and apt; else those tests skip).
hosts:
	@command -v kritarunner >/dev/null || \
		{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends krita python3-pyqt5 python3-sip xvfb >/dev/null 2>&1 || \
		    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends krita python3-pyqt5 python3-sip xvfb >/dev/null; }; }; } || \
		echo "note: Krita not installed; the Krita plug-in tests will skip"
	@bash tests/hosts/gimp3_root.sh || echo "note: no GIMP 3 root; the GIMP plug-in tests will skip"

# The self-contained bundle (dist/hdr-studio-VERSION-linux-x86_64.tar.gz) and plug-in zips.
package: $(STAMP)
	$(BIN)/python packaging/build_bundle.py

# The bundle the smoke test runs: built once per source state, cached on the machine.
bundle: $(STAMP)
	@mkdir -p build
	$(BIN)/python packaging/bundle_cache.py > build/bundle-path

test: lint host-tools hosts bundle
	HDR_STUDIO_BUNDLE="$$(cat build/bundle-path)" QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/bench_core.py

clean:
	rm -rf $(VENV) out build dist *.egg-info
