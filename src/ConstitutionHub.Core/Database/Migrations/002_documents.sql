create table users (
    id            text primary key,
    display_name  text not null,
    provider      text not null,
    created       timestamptz not null default now(),
    last_seen     timestamptz not null default now()
);

-- Read models of the constitution streams, written inline with each append (see ConstitutionProjection).
create table constitutions (
    id                    uuid primary key,
    slug                  text not null unique,
    title                 text not null,
    summary               text not null,
    visibility            text not null,
    owner_id              text not null,
    owner_name            text not null,
    forked_from_id        uuid,
    forked_from_slug      text,
    forked_from_revision  int,
    head_revision         int not null default 0,
    stream_version        bigint not null,
    created               timestamptz not null,
    updated               timestamptz not null,
    updated_by_name       text not null,
    search                tsvector
);
create index constitutions_updated on constitutions (updated desc);
create index constitutions_search on constitutions using gin (search);
create index constitutions_forked_from on constitutions (forked_from_id);

create table revisions (
    constitution_id  uuid not null references constitutions (id),
    number           int not null,
    author_id        text not null,
    author_name      text not null,
    created          timestamptz not null,
    summary          text not null,
    size             int not null,
    size_delta       int not null,
    markdown         text not null,
    sections         jsonb not null,
    base_revision    int not null,
    restored_from    int,
    merged           boolean not null default false,
    primary key (constitution_id, number)
);

create table labels (
    constitution_id  uuid not null references constitutions (id),
    name             text not null,
    revision         int not null,
    moved_by_name    text not null,
    moved_at         timestamptz not null,
    primary key (constitution_id, name)
);
