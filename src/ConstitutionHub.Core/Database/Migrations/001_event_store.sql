create table streams (
    id       text primary key,
    type     text not null,
    version  bigint not null check (version >= 0),
    created  timestamptz not null default now(),
    updated  timestamptz not null default now()
);

create table events (
    seq        bigserial primary key,
    id         uuid not null,
    stream_id  text not null references streams (id),
    version    bigint not null,
    type       text not null,
    data       jsonb not null,
    metadata   jsonb not null,
    created    timestamptz not null default now(),
    -- The writing transaction: readers of the global log stop before any transaction still running.
    tx_id      xid8 not null default pg_current_xact_id(),
    constraint events_id_key unique (id),
    constraint events_stream_version_key unique (stream_id, version)
);

create index events_tx_seq on events (tx_id, seq);
