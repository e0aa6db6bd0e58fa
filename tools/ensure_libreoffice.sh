#!/bin/sh
# LibreOffice headless (Writer and Calc, without the GUI) and poppler's pdftotext/pdfinfo/
# pdftoppm, from Debian's own packages, for the reports' PDF and the tests that read it back.
# Fonts: Microsoft's Times New Roman cannot be downloaded here; Liberation Serif
# (fonts-liberation2) has the same metrics, and fontconfig substitutes it for Times New Roman,
# so lines and pages break where they would in Word.
# Idempotent and quiet: nothing happens when everything is there. It never stops `make` from
# setting up: when it cannot install (not root, no apt, no network) it says so once; the PDF
# route then answers 503 and the PDF tests skip with the reason (they fail under CI=true).
set -u

if command -v soffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 \
        && fc-list 2>/dev/null | grep -q "Liberation Serif"; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_libreoffice: install Debian's libreoffice-writer-nogui, libreoffice-calc-nogui," \
        "fonts-liberation2 and poppler-utils for the PDF documents" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Another setup may hold apt's lock for a while: wait for it rather than fail.
if ! { apt-get -o DPkg::Lock::Timeout=600 update -qq \
        && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
            libreoffice-writer-nogui libreoffice-calc-nogui fonts-liberation2 poppler-utils \
            fontconfig; } >/dev/null 2>&1; then
    echo "ensure_libreoffice: apt-get could not install LibreOffice and poppler-utils" >&2
fi
exit 0
