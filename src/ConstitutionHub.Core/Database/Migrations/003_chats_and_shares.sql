-- Read models of the chat streams, written inline with each append (see ChatProjection).
create table chats (
    id               uuid primary key,
    constitution_id  uuid not null,
    slug             text not null,
    revision         int not null,
    prompt_hash      text not null,
    model_id         text not null,
    owner_id         text not null,
    owner_name       text not null,
    title            text not null,
    created          timestamptz not null,
    updated          timestamptz not null,
    -- 'streaming' while any reply of the chat is being written, otherwise 'idle'.
    status           text not null check (status in ('idle', 'streaming')),
    message_count    int not null default 0,
    provenance       jsonb not null,
    stream_version   bigint not null
);
-- Listing per constitution, newest first, optionally narrowed by revision, model or author.
create index chats_constitution_created on chats (constitution_id, created desc, id);
create index chats_constitution_revision on chats (constitution_id, revision, created desc);
create index chats_constitution_model on chats (constitution_id, model_id, created desc);
create index chats_constitution_owner on chats (constitution_id, owner_id, created desc);
create index chats_owner on chats (owner_id, created desc);

create table chat_messages (
    chat_id                 uuid not null references chats (id),
    message_id              uuid not null,
    parent_id               uuid,
    role                    text not null check (role in ('user', 'assistant')),
    text                    text not null,
    -- Length of text in UTF-16 code units, as .NET counts it: the reply length limit reads it without the text.
    text_length             int not null,
    status                  text not null check (status in ('streaming', 'complete', 'failed', 'interrupted')),
    -- Stream version of the event that created the message: creation order, also among siblings.
    position                bigint not null,
    author_id               text not null,
    author_name             text not null,
    node                    text,
    prompt_tokens           int,
    completion_tokens       int not null default 0,
    time_to_first_token_ms  double precision,
    tokens_per_second       double precision,
    finish_reason           text,
    error                   text,
    -- Set on a reply only when it ran with other settings than the chat started with.
    provenance              jsonb,
    created                 timestamptz not null,
    updated                 timestamptz not null,
    primary key (chat_id, message_id)
);
create index chat_messages_order on chat_messages (chat_id, position);
-- Startup recovery looks for replies left streaming; few rows ever match.
create index chat_messages_streaming on chat_messages (node) where status = 'streaming';

-- Public links to a chat. Only the SHA-256 of the token is stored: a copy of the database opens no chat.
create table share_links (
    id                   uuid primary key,
    token_hash           bytea not null unique,
    chat_id              uuid not null references chats (id),
    mode                 text not null check (mode in ('snapshot', 'live')),
    snapshot_message_id  uuid,
    hide_system_prompt   boolean not null,
    expires              timestamptz,
    created              timestamptz not null,
    created_by_id        text not null,
    created_by_name      text not null,
    revoked              timestamptz,
    revoked_by_id        text,
    revoked_by_name      text,
    check ((mode = 'snapshot') = (snapshot_message_id is not null))
);
create index share_links_created_by on share_links (created_by_id, created desc);
create index share_links_chat on share_links (chat_id);
