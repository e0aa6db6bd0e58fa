# Stand-in for postgres:16 built from Debian bookworm's PostgreSQL (15): the same interface
# as the official image for what docker-compose.yml uses (POSTGRES_USER, POSTGRES_PASSWORD,
# POSTGRES_INITDB_ARGS, /docker-entrypoint-initdb.d/*.sh run once on an empty data
# directory, PGDATA=/var/lib/postgresql/data, pg_isready, fast shutdown on SIGINT).
ARG DEBIAN_IMAGE=danvan-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* \
    && mkdir -p /docker-entrypoint-initdb.d /var/lib/postgresql/data /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
