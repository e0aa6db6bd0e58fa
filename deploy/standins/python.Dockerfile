# Stand-in for python:3.11-slim-bookworm, built from Debian's own packages by
# tools/build_base_images.py where no image registry is reachable. Debian bookworm's Python
# is 3.11, as in the official image; `python` is on the PATH as there.
ARG DEBIAN_IMAGE=danvan-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* \
    && ln -s /usr/bin/python3 /usr/local/bin/python
ENV LANG=C.UTF-8
CMD ["python3"]
