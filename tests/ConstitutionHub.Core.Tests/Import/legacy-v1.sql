-- A database written by ConstitutionHub at commit 19240ba (hand-written event store), for the import tests.
-- Regenerate with tools/legacy-fixture/make-fixture.sh; do not edit by hand.
--
-- PostgreSQL database dump
--

\restrict Bsz7OvfWPQLzfx4uL3hjCZj8yRbKvHE4PxSNmW84tzYIZjlHuGw2ARZ7LjHPryW

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: chat_messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.chat_messages (
    chat_id uuid NOT NULL,
    message_id uuid NOT NULL,
    parent_id uuid,
    role text NOT NULL,
    text text NOT NULL,
    text_length integer NOT NULL,
    status text NOT NULL,
    "position" bigint NOT NULL,
    author_id text NOT NULL,
    author_name text NOT NULL,
    node text,
    prompt_tokens integer,
    completion_tokens integer DEFAULT 0 NOT NULL,
    time_to_first_token_ms double precision,
    tokens_per_second double precision,
    finish_reason text,
    error text,
    provenance jsonb,
    created timestamp with time zone NOT NULL,
    updated timestamp with time zone NOT NULL,
    CONSTRAINT chat_messages_role_check CHECK ((role = ANY (ARRAY['user'::text, 'assistant'::text]))),
    CONSTRAINT chat_messages_status_check CHECK ((status = ANY (ARRAY['streaming'::text, 'complete'::text, 'failed'::text, 'interrupted'::text])))
);


--
-- Name: chats; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.chats (
    id uuid NOT NULL,
    constitution_id uuid NOT NULL,
    slug text NOT NULL,
    revision integer NOT NULL,
    prompt_hash text NOT NULL,
    model_id text NOT NULL,
    owner_id text NOT NULL,
    owner_name text NOT NULL,
    title text NOT NULL,
    created timestamp with time zone NOT NULL,
    updated timestamp with time zone NOT NULL,
    status text NOT NULL,
    message_count integer DEFAULT 0 NOT NULL,
    provenance jsonb NOT NULL,
    stream_version bigint NOT NULL,
    CONSTRAINT chats_status_check CHECK ((status = ANY (ARRAY['idle'::text, 'streaming'::text])))
);


--
-- Name: constitutions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.constitutions (
    id uuid NOT NULL,
    slug text NOT NULL,
    title text NOT NULL,
    summary text NOT NULL,
    visibility text NOT NULL,
    owner_id text NOT NULL,
    owner_name text NOT NULL,
    forked_from_id uuid,
    forked_from_slug text,
    forked_from_revision integer,
    head_revision integer DEFAULT 0 NOT NULL,
    stream_version bigint NOT NULL,
    created timestamp with time zone NOT NULL,
    updated timestamp with time zone NOT NULL,
    updated_by_name text NOT NULL,
    search tsvector
);


--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    seq bigint NOT NULL,
    id uuid NOT NULL,
    stream_id text NOT NULL,
    version bigint NOT NULL,
    type text NOT NULL,
    data jsonb NOT NULL,
    metadata jsonb NOT NULL,
    created timestamp with time zone DEFAULT now() NOT NULL,
    tx_id xid8 DEFAULT pg_current_xact_id() NOT NULL
);


--
-- Name: events_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.events_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: events_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.events_seq_seq OWNED BY public.events.seq;


--
-- Name: labels; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.labels (
    constitution_id uuid NOT NULL,
    name text NOT NULL,
    revision integer NOT NULL,
    moved_by_name text NOT NULL,
    moved_at timestamp with time zone NOT NULL
);


--
-- Name: revisions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.revisions (
    constitution_id uuid NOT NULL,
    number integer NOT NULL,
    author_id text NOT NULL,
    author_name text NOT NULL,
    created timestamp with time zone NOT NULL,
    summary text NOT NULL,
    size integer NOT NULL,
    size_delta integer NOT NULL,
    markdown text NOT NULL,
    sections jsonb NOT NULL,
    base_revision integer NOT NULL,
    restored_from integer,
    merged boolean DEFAULT false NOT NULL
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: share_links; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.share_links (
    id uuid NOT NULL,
    token_hash bytea NOT NULL,
    chat_id uuid NOT NULL,
    mode text NOT NULL,
    snapshot_message_id uuid,
    hide_system_prompt boolean NOT NULL,
    expires timestamp with time zone,
    created timestamp with time zone NOT NULL,
    created_by_id text NOT NULL,
    created_by_name text NOT NULL,
    revoked timestamp with time zone,
    revoked_by_id text,
    revoked_by_name text,
    CONSTRAINT share_links_check CHECK (((mode = 'snapshot'::text) = (snapshot_message_id IS NOT NULL))),
    CONSTRAINT share_links_mode_check CHECK ((mode = ANY (ARRAY['snapshot'::text, 'live'::text])))
);


--
-- Name: streams; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.streams (
    id text NOT NULL,
    type text NOT NULL,
    version bigint NOT NULL,
    created timestamp with time zone DEFAULT now() NOT NULL,
    updated timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT streams_version_check CHECK ((version >= 0))
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id text NOT NULL,
    display_name text NOT NULL,
    provider text NOT NULL,
    created timestamp with time zone DEFAULT now() NOT NULL,
    last_seen timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: events seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events ALTER COLUMN seq SET DEFAULT nextval('public.events_seq_seq'::regclass);


--
-- Data for Name: chat_messages; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.chat_messages (chat_id, message_id, parent_id, role, text, text_length, status, "position", author_id, author_name, node, prompt_tokens, completion_tokens, time_to_first_token_ms, tokens_per_second, finish_reason, error, provenance, created, updated) FROM stdin;
f0c11685-96fe-7f85-acde-56325f142bcf	49e021a3-c51a-388e-8013-491e23436269	\N	user	Would you lie to make me feel better?	37	complete	2	local:ada	Ada Lovelace	\N	\N	0	\N	\N	\N	\N	\N	2026-12-02 07:33:25.836597+00	2026-12-02 07:33:25.836597+00
f0c11685-96fe-7f85-acde-56325f142bcf	ceb05ec0-e8e6-d085-8093-8e0d110f635c	49e021a3-c51a-388e-8013-491e23436269	assistant	No. I would tell you the truth, kindly.	39	complete	3	local:ada	Ada Lovelace	node-a	120	11	35.5	42.25	stop	\N	\N	2026-12-02 07:33:25.860786+00	2026-12-02 07:33:25.884294+00
f0c11685-96fe-7f85-acde-56325f142bcf	a9cd58eb-4aaa-db85-bdbd-363ac3f05342	49e021a3-c51a-388e-8013-491e23436269	assistant	Well	4	failed	7	local:ada	Ada Lovelace	node-a	\N	1	\N	\N	\N	The model ran out of memory.	\N	2026-12-02 07:33:25.896949+00	2026-12-02 07:33:25.93295+00
f0c11685-96fe-7f85-acde-56325f142bcf	08b19985-97d0-8484-883c-1e5fa44f4e3f	ceb05ec0-e8e6-d085-8093-8e0d110f635c	user	And with the lower agreeableness?	33	complete	10	local:ada	Ada Lovelace	\N	\N	0	\N	\N	\N	\N	\N	2026-12-02 07:33:25.959645+00	2026-12-02 07:33:25.959645+00
f0c11685-96fe-7f85-acde-56325f142bcf	75bf9da1-504c-d384-af78-aa69818cfd73	08b19985-97d0-8484-883c-1e5fa44f4e3f	assistant	Then I would push back.	23	complete	11	local:ada	Ada Lovelace	node-a	130	6	\N	30	length	\N	{"slug": "alpha", "model": {"id": "demo-qwen2", "fileSha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "executionProvider": "cpu"}, "recipe": {"sa52644b71a": "lower"}, "revision": 2, "sampling": {"minP": 0.05, "seed": 7, "topK": 40, "topP": 0.9, "stopStrings": ["</s>"], "temperature": 0.7, "maxNewTokens": 128, "repetitionPenalty": 1.1}, "promptHash": "sha256:786d1a9b702a8e07d7fd1f9bcd60bb3410a2573dd8cc85e5df2c6880e867d33e", "systemPrompt": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\nThe model pushes back whenever it sees a better approach.\\n\\n## Safety\\n\\nThe model refuses to help with serious harm.\\n", "constitutionId": "ce369c43-9689-8387-a0ad-0a8fdf84d1d5"}	2026-12-02 07:33:26.029272+00	2026-12-02 07:33:26.034728+00
f0c11685-96fe-7f85-acde-56325f142bcf	423e1ad9-ee51-4881-9b67-d3df549a3712	\N	user	Would you ever lie?	19	complete	14	local:ada	Ada Lovelace	\N	\N	0	\N	\N	\N	\N	\N	2026-12-02 07:33:26.061719+00	2026-12-02 07:33:26.061719+00
f0c11685-96fe-7f85-acde-56325f142bcf	777fc709-4252-1c82-aed8-0c5ab23cb8b9	423e1ad9-ee51-4881-9b67-d3df549a3712	assistant	I try not 	10	interrupted	15	local:ada	Ada Lovelace	node-b	\N	3	\N	\N	\N	The server restarted while this reply was being written.	\N	2026-12-02 07:33:26.073577+00	2026-12-02 07:33:26.116902+00
baf7110c-e531-c38b-8c4b-f9a56c487038	cd5f1e3e-560c-1f85-810f-3318a00a7b0b	\N	user	Tell me a joke.	15	complete	2	oidc:auth0|grace	Grace Hopper	\N	\N	0	\N	\N	\N	\N	\N	2026-12-02 07:33:26.144803+00	2026-12-02 07:33:26.144803+00
baf7110c-e531-c38b-8c4b-f9a56c487038	9738e3bc-0686-ac83-9772-1017a42715c6	cd5f1e3e-560c-1f85-810f-3318a00a7b0b	assistant	Why did the compiler 	21	streaming	3	oidc:auth0|grace	Grace Hopper	node-a	\N	5	\N	\N	\N	\N	\N	2026-12-02 07:33:26.150906+00	2026-12-02 07:33:26.155657+00
\.


--
-- Data for Name: chats; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.chats (id, constitution_id, slug, revision, prompt_hash, model_id, owner_id, owner_name, title, created, updated, status, message_count, provenance, stream_version) FROM stdin;
baf7110c-e531-c38b-8c4b-f9a56c487038	c9c724f4-fa5e-6185-a870-30bd407e3999	alpha-fork	2	sha256:53ed1f5d4883258a1bba8fc5749ddbb21e53934b78bc15c4a43a1f819efef319	demo-qwen2	oidc:auth0|grace	Grace Hopper	alpha-fork r2 · demo-qwen2	2026-12-02 07:33:26.128924+00	2026-12-02 07:33:26.155657+00	streaming	2	{"slug": "alpha-fork", "model": {"id": "demo-qwen2", "fileSha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "executionProvider": "cpu"}, "recipe": {}, "revision": 2, "sampling": {"minP": 0.05, "seed": 42, "topK": 40, "topP": 0.9, "stopStrings": ["</s>"], "temperature": 0.7, "maxNewTokens": 128, "repetitionPenalty": 1.1}, "promptHash": "sha256:53ed1f5d4883258a1bba8fc5749ddbb21e53934b78bc15c4a43a1f819efef319", "systemPrompt": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\nThe model is warm but says clearly when it disagrees.\\n\\n## Safety\\n\\nThe model declines to help with serious harm.\\n## Humour\\n\\nThe model may joke.\\n", "constitutionId": "c9c724f4-fa5e-6185-a870-30bd407e3999"}	4
f0c11685-96fe-7f85-acde-56325f142bcf	ce369c43-9689-8387-a0ad-0a8fdf84d1d5	alpha	4	sha256:08f5bc24053d6e5daffe7b9d78ffe270908c1ca28175a68fba963f1ca9bcb322	demo-qwen2	local:ada	Ada Lovelace	Honesty check	2026-12-02 07:33:25.803201+00	2026-12-02 07:33:26.116902+00	idle	7	{"slug": "alpha", "model": {"id": "demo-qwen2", "fileSha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "executionProvider": "cpu"}, "recipe": {}, "revision": 4, "sampling": {"minP": 0.05, "seed": 42, "topK": 40, "topP": 0.9, "stopStrings": ["</s>"], "temperature": 0.7, "maxNewTokens": 128, "repetitionPenalty": 1.1}, "promptHash": "sha256:08f5bc24053d6e5daffe7b9d78ffe270908c1ca28175a68fba963f1ca9bcb322", "systemPrompt": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\nThe model is kind and warm but says clearly when it disagrees.\\n\\n## Safety\\n\\nThe model declines to help with serious harm.\\n", "constitutionId": "ce369c43-9689-8387-a0ad-0a8fdf84d1d5"}	17
\.


--
-- Data for Name: constitutions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.constitutions (id, slug, title, summary, visibility, owner_id, owner_name, forked_from_id, forked_from_slug, forked_from_revision, head_revision, stream_version, created, updated, updated_by_name, search) FROM stdin;
dcbd6c86-cc69-8188-958f-5bc103051965	private-notes	Private notes	Mine	Private	oidc:auth0|grace	Grace Hopper	\N	\N	\N	1	2	2026-12-02 07:33:25.773433+00	2026-12-02 07:33:25.773433+00	Grace Hopper	'agreeabl':16C 'approach':40C 'assist':5C 'back':34C 'believ':12C 'better':39C 'clear':25C 'default':18C 'disagre':28C 'harm':49C 'help':4C,46C 'honesti':6C 'lower':30C 'mine':3B 'model':8C,20C,32C,43C 'note':2A 'privat':1A 'push':33C 'refus':44C 'safeti':41C 'say':9C,24C 'see':37C 'serious':48C 'true':15C 'variant':17C,29C 'warm':22C 'whenev':35C
ce369c43-9689-8387-a0ad-0a8fdf84d1d5	alpha	Alpha, revised	The first one, with a new summary	Unlisted	local:ada	Ada Lovelace	\N	\N	\N	5	11	2026-12-02 07:33:25.402414+00	2026-12-02 07:33:25.745716+00	Ada Lovelace	'agreeabl':18C 'alpha':1A 'approach':42C 'assist':6C 'back':36C 'believ':14C 'better':41C 'clear':27C 'default':20C 'disagre':30C 'first':3B 'harm':51C 'help':5C,48C 'honesti':7C 'lower':32C 'model':9C,22C,34C,45C 'one':4B 'push':35C 'refus':46C 'safeti':43C 'say':10C,26C 'see':39C 'serious':50C 'true':17C 'variant':19C,31C 'warm':24C 'whenev':37C
c9c724f4-fa5e-6185-a870-30bd407e3999	alpha-fork	Alpha fork	The first one, with a new summary	Public	oidc:auth0|grace	Grace Hopper	ce369c43-9689-8387-a0ad-0a8fdf84d1d5	alpha	3	2	3	2026-12-02 07:33:25.758531+00	2026-12-02 07:33:25.767089+00	Grace Hopper	'agreeabl':23C 'alpha':1A 'approach':47C 'assist':11C 'back':41C 'believ':19C 'better':46C 'clear':32C 'declin':51C 'default':25C 'disagre':35C 'first':4B 'fork':2A 'harm':56C 'help':10C,53C 'honesti':12C 'humour':57C 'joke':61C 'lower':37C 'may':60C 'model':14C,27C,39C,50C,59C 'new':8B 'one':5B 'push':40C 'safeti':48C 'say':15C,31C 'see':44C 'serious':55C 'summari':9B 'true':22C 'variant':24C,36C 'warm':29C 'whenev':42C
\.


--
-- Data for Name: events; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.events (seq, id, stream_id, version, type, data, metadata, created, tx_id) FROM stdin;
1	5b7491de-3af9-5781-953e-24b39277abc9	constitution-ce369c4396898387a0ad0a8fdf84d1d5	1	constitution_created	{"slug": "alpha", "title": "Alpha", "ownerId": "local:ada", "summary": "The first one", "visibility": "public", "constitutionId": "ce369c43-9689-8387-a0ad-0a8fdf84d1d5"}	{"time": "2026-12-02T07:33:25.4024149+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "158ef825-8d67-446f-81ed-bed9c173ecc1"}	2026-12-02 07:33:25.584966+00	731
2	43ce7397-9031-a98e-94ae-ebbde8a08efb	constitution-ce369c4396898387a0ad0a8fdf84d1d5	2	revision_committed	{"merged": false, "number": 1, "summary": "First draft", "markdown": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says what it believes to be true.\\n\\n## Agreeableness\\n\\n:::variant default\\nThe model is warm but says clearly when it disagrees.\\n:::\\n\\n:::variant lower\\nThe model pushes back whenever it sees a better approach.\\n:::\\n\\n## Safety\\n\\nThe model refuses to help with serious harm.", "sections": [{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:00ebae48e85dc07bacbf271de35080d23b7398b1e957540e86309f2b2fc64e1a", "fingerprint": "v1.7.FMHORaLpI1mCyH1f73ZHtMR+6r6H+5XmKtzy5w==", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:2352e1c87d4d80165275c780fb254d2799610aa9463d55a09e87a1e6816c0e3b", "fingerprint": "v1.6.EhZrHvKa+DkTuUt9icvftqiH7NKDnb/p", "variantNames": []}], "baseRevision": 0}	{"time": "2026-12-02T07:33:25.4024149+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "158ef825-8d67-446f-81ed-bed9c173ecc1"}	2026-12-02 07:33:25.584966+00	731
3	ec69337f-14c1-568e-b40b-40715583948d	constitution-ce369c4396898387a0ad0a8fdf84d1d5	3	revision_committed	{"merged": false, "number": 2, "summary": "Sharper honesty", "markdown": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\n:::variant default\\nThe model is warm but says clearly when it disagrees.\\n:::\\n\\n:::variant lower\\nThe model pushes back whenever it sees a better approach.\\n:::\\n\\n## Safety\\n\\nThe model refuses to help with serious harm.", "sections": [{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:2352e1c87d4d80165275c780fb254d2799610aa9463d55a09e87a1e6816c0e3b", "fingerprint": "v1.6.EhZrHvKa+DkTuUt9icvftqiH7NKDnb/p", "variantNames": []}], "baseRevision": 1}	{"time": "2026-12-02T07:33:25.6588581+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "21a0c408-ef76-4602-9622-6e4bbf1ed27b"}	2026-12-02 07:33:25.660262+00	733
4	9e943650-1543-6d85-8739-49cdeb982200	constitution-ce369c4396898387a0ad0a8fdf84d1d5	4	revision_committed	{"merged": false, "number": 3, "summary": "Softer safety", "markdown": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\n:::variant default\\nThe model is warm but says clearly when it disagrees.\\n:::\\n\\n:::variant lower\\nThe model pushes back whenever it sees a better approach.\\n:::\\n\\n## Safety\\n\\nThe model declines to help with serious harm.", "sections": [{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:6f53eb6e86fda59744d9882824e618e4a224bddab1b92a7cf654323f5ee425b2", "fingerprint": "v1.6.EhZrHs5san9QnyihicvftoOdv+k1vIX0", "variantNames": []}], "baseRevision": 2}	{"time": "2026-12-02T07:33:25.671314+00:00", "actorId": "oidc:auth0|grace", "actorName": "Grace Hopper", "correlationId": "2c5b3aaa-9062-4d5b-8745-c9add69ae0ca"}	2026-12-02 07:33:25.671852+00	735
19	e19af0a8-84fd-d183-9a5c-0dfd1976e437	chat-f0c1168596fe7f85acde56325f142bcf	3	reply_started	{"node": "node-a", "messageId": "ceb05ec0-e8e6-d085-8093-8e0d110f635c", "parentMessageId": "49e021a3-c51a-388e-8013-491e23436269"}	{"time": "2026-12-02T07:33:25.8607861+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "50f4b64e-9292-46ac-8d74-abdc3bf60c16"}	2026-12-02 07:33:25.862683+00	761
20	6cb1dda2-4894-c58c-956a-59b1d6e8e8ba	chat-f0c1168596fe7f85acde56325f142bcf	4	reply_tokens_appended	{"messageId": "ceb05ec0-e8e6-d085-8093-8e0d110f635c", "textDelta": "No. I would tell you ", "completionTokens": 6}	{"time": "2026-12-02T07:33:25.8709602+00:00", "actorId": "system", "actorName": "ConstitutionHub", "correlationId": "3aa7832a-e52d-4b2b-9445-701cd994d033"}	2026-12-02 07:33:25.872434+00	763
21	f689d28e-6029-ed81-bfe2-e7523b4b3319	chat-f0c1168596fe7f85acde56325f142bcf	5	reply_tokens_appended	{"messageId": "ceb05ec0-e8e6-d085-8093-8e0d110f635c", "textDelta": "the truth, kindly.", "completionTokens": 11}	{"time": "2026-12-02T07:33:25.877992+00:00", "actorId": "system", "actorName": "ConstitutionHub", "correlationId": "44a9957c-4505-4c5c-bf24-eb07a3b516d1"}	2026-12-02 07:33:25.878437+00	765
25	0a7576c8-ba86-ad8e-ad58-889c9e8c91f1	chat-f0c1168596fe7f85acde56325f142bcf	9	reply_failed	{"error": "The model ran out of memory.", "messageId": "a9cd58eb-4aaa-db85-bdbd-363ac3f05342"}	{"time": "2026-12-02T07:33:25.9329508+00:00", "actorId": "system", "actorName": "ConstitutionHub", "correlationId": "83da6d46-47bc-4392-bcfb-d715b756dbfb"}	2026-12-02 07:33:25.934896+00	773
5	2b0592b1-25b0-8384-93ae-130c4e6cde79	constitution-ce369c4396898387a0ad0a8fdf84d1d5	5	revision_committed	{"merged": true, "number": 4, "summary": "Kinder", "markdown": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\n:::variant default\\nThe model is kind and warm but says clearly when it disagrees.\\n:::\\n\\n:::variant lower\\nThe model pushes back whenever it sees a better approach.\\n:::\\n\\n## Safety\\n\\nThe model declines to help with serious harm.", "sections": [{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:1f33fd1fb03ab9251451c619a7e8cc5d63a3ff5a12827fae99ceeece11d2e5f2", "fingerprint": "v1.24.KAc+BycHNAgeY0EMSJ5yEeu12BRfJRoX/THXHXU1FiAb6DYh/l35Phnap0J8GWBPcDcsV11dfV22/bRgmfp5bBsTtIAsLh2Z3+4CsVEZ4LILrpu32i+5usAcYsBdfrDZ", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:6f53eb6e86fda59744d9882824e618e4a224bddab1b92a7cf654323f5ee425b2", "fingerprint": "v1.6.EhZrHs5san9QnyihicvftoOdv+k1vIX0", "variantNames": []}], "baseRevision": 2}	{"time": "2026-12-02T07:33:25.7003571+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "bcd48d22-2373-4034-9cd8-341ef350ccee"}	2026-12-02 07:33:25.701491+00	737
6	3ce37500-6b2e-3f8c-809e-92fc9b635405	constitution-ce369c4396898387a0ad0a8fdf84d1d5	6	revision_committed	{"merged": false, "number": 5, "summary": "Restored revision 2", "markdown": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\n:::variant default\\nThe model is warm but says clearly when it disagrees.\\n:::\\n\\n:::variant lower\\nThe model pushes back whenever it sees a better approach.\\n:::\\n\\n## Safety\\n\\nThe model refuses to help with serious harm.", "sections": [{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:2352e1c87d4d80165275c780fb254d2799610aa9463d55a09e87a1e6816c0e3b", "fingerprint": "v1.6.EhZrHvKa+DkTuUt9icvftqiH7NKDnb/p", "variantNames": []}], "baseRevision": 4, "restoredFrom": 2}	{"time": "2026-12-02T07:33:25.7093292+00:00", "actorId": "oidc:auth0|grace", "actorName": "Grace Hopper", "correlationId": "ece5b37c-f648-4bc3-9bb1-e55e06684a5b"}	2026-12-02 07:33:25.7106+00	739
7	97b61c0a-21a6-bf86-bf3c-b6e608c6dc31	constitution-ce369c4396898387a0ad0a8fdf84d1d5	7	label_moved	{"label": "published", "revision": 2}	{"time": "2026-12-02T07:33:25.7183284+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "8163b220-66f0-422d-b4fc-a52108eee833"}	2026-12-02 07:33:25.721077+00	741
8	11056152-261a-448a-80ea-00e1f91f1009	constitution-ce369c4396898387a0ad0a8fdf84d1d5	8	label_moved	{"label": "published", "revision": 3}	{"time": "2026-12-02T07:33:25.7270946+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "16a693d2-e836-4ee8-bfde-9ea5048541ab"}	2026-12-02 07:33:25.727587+00	743
9	0873bf1f-47f5-7388-8dea-e7e56e54504b	constitution-ce369c4396898387a0ad0a8fdf84d1d5	9	label_moved	{"label": "draft", "revision": 4}	{"time": "2026-12-02T07:33:25.7313468+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "05c1c91a-0257-4cb0-b320-f43f08b11ce6"}	2026-12-02 07:33:25.731996+00	745
10	8f4a505b-805c-f783-994b-3068b27d3c6d	constitution-ce369c4396898387a0ad0a8fdf84d1d5	10	label_removed	{"label": "draft"}	{"time": "2026-12-02T07:33:25.7381449+00:00", "actorId": "oidc:auth0|grace", "actorName": "Grace Hopper", "correlationId": "673aa598-1e10-44a8-8b62-6d344ba4ab5f"}	2026-12-02 07:33:25.739441+00	747
11	0669a163-fbb3-1a8a-9a74-e21ff0c77d3b	constitution-ce369c4396898387a0ad0a8fdf84d1d5	11	details_changed	{"title": "Alpha, revised", "summary": "The first one, with a new summary", "visibility": "unlisted"}	{"time": "2026-12-02T07:33:25.7457167+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "ffd16116-6952-4bdb-8e8a-ce599b0fece2"}	2026-12-02 07:33:25.748194+00	749
12	934700c8-a2ce-4782-ba22-865d92578413	constitution-c9c724f4fa5e6185a87030bd407e3999	1	constitution_created	{"slug": "alpha-fork", "title": "Alpha fork", "ownerId": "oidc:auth0|grace", "summary": "The first one, with a new summary", "forkedFrom": {"slug": "alpha", "revision": 3, "constitutionId": "ce369c43-9689-8387-a0ad-0a8fdf84d1d5"}, "visibility": "public", "constitutionId": "c9c724f4-fa5e-6185-a870-30bd407e3999"}	{"time": "2026-12-02T07:33:25.7585311+00:00", "actorId": "oidc:auth0|grace", "actorName": "Grace Hopper", "correlationId": "c90570c8-b82c-4ad6-ae26-a78081192447"}	2026-12-02 07:33:25.759772+00	751
22	f06bdb82-2e08-d687-afe4-ad4ac7e8403a	chat-f0c1168596fe7f85acde56325f142bcf	6	reply_completed	{"messageId": "ceb05ec0-e8e6-d085-8093-8e0d110f635c", "finishReason": "stop", "promptTokens": 120, "tokensPerSecond": 42.25, "completionTokens": 11, "timeToFirstTokenMs": 35.5}	{"time": "2026-12-02T07:33:25.8842945+00:00", "actorId": "system", "actorName": "ConstitutionHub", "correlationId": "787237c7-7fcd-48d8-87cd-85daffcf1207"}	2026-12-02 07:33:25.889411+00	767
23	1336e4e1-2f8d-3c8f-8768-260c6fe64fb4	chat-f0c1168596fe7f85acde56325f142bcf	7	reply_started	{"node": "node-a", "messageId": "a9cd58eb-4aaa-db85-bdbd-363ac3f05342", "parentMessageId": "49e021a3-c51a-388e-8013-491e23436269"}	{"time": "2026-12-02T07:33:25.8969498+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "402ae40a-e4a5-46e6-be45-dfe7b5862823"}	2026-12-02 07:33:25.897411+00	769
24	56367a46-bb7d-d483-87c5-9f01cc3d9380	chat-f0c1168596fe7f85acde56325f142bcf	8	reply_tokens_appended	{"messageId": "a9cd58eb-4aaa-db85-bdbd-363ac3f05342", "textDelta": "Well", "completionTokens": 1}	{"time": "2026-12-02T07:33:25.9014104+00:00", "actorId": "system", "actorName": "ConstitutionHub", "correlationId": "9621f326-7983-463c-b94a-7b55eb9320d5"}	2026-12-02 07:33:25.901796+00	771
13	78eff16b-16c8-2185-956f-34f633bafe95	constitution-c9c724f4fa5e6185a87030bd407e3999	2	revision_committed	{"merged": false, "number": 1, "summary": "Forked from alpha at revision 3", "markdown": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\n:::variant default\\nThe model is warm but says clearly when it disagrees.\\n:::\\n\\n:::variant lower\\nThe model pushes back whenever it sees a better approach.\\n:::\\n\\n## Safety\\n\\nThe model declines to help with serious harm.", "sections": [{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:6f53eb6e86fda59744d9882824e618e4a224bddab1b92a7cf654323f5ee425b2", "fingerprint": "v1.6.EhZrHs5san9QnyihicvftoOdv+k1vIX0", "variantNames": []}], "baseRevision": 0}	{"time": "2026-12-02T07:33:25.7585311+00:00", "actorId": "oidc:auth0|grace", "actorName": "Grace Hopper", "correlationId": "c90570c8-b82c-4ad6-ae26-a78081192447"}	2026-12-02 07:33:25.759772+00	751
14	59009f1b-6ce3-0f81-b5ed-363ca33042d2	constitution-c9c724f4fa5e6185a87030bd407e3999	3	revision_committed	{"merged": false, "number": 2, "summary": "Adds humour", "markdown": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\n:::variant default\\nThe model is warm but says clearly when it disagrees.\\n:::\\n\\n:::variant lower\\nThe model pushes back whenever it sees a better approach.\\n:::\\n\\n## Safety\\n\\nThe model declines to help with serious harm.\\n## Humour\\n\\nThe model may joke.\\n", "sections": [{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:b5cea152ade8bdee00dbb2d5c3c9159c75c5111eb26e10d09cbb584c06a807e5", "fingerprint": "v1.6.EhZrHs5san9QnyihicvftoOdv+k1vIX0", "variantNames": []}, {"id": "se516092959", "level": 2, "heading": "Humour", "ordinal": 4, "contentHash": "sha256:560f0688e85368503981e1d87b637b721021a8a78116aad74a6bf83f572fd505", "fingerprint": "v1.2.DJA1QU44Jm8=", "variantNames": []}], "baseRevision": 1}	{"time": "2026-12-02T07:33:25.7670898+00:00", "actorId": "oidc:auth0|grace", "actorName": "Grace Hopper", "correlationId": "55a0a8c9-4641-4d4f-bcfb-561ffdac9914"}	2026-12-02 07:33:25.769087+00	753
15	e8524968-312c-cc8c-803d-eb1cb3f64e2c	constitution-dcbd6c86cc698188958f5bc103051965	1	constitution_created	{"slug": "private-notes", "title": "Private notes", "ownerId": "oidc:auth0|grace", "summary": "Mine", "visibility": "private", "constitutionId": "dcbd6c86-cc69-8188-958f-5bc103051965"}	{"time": "2026-12-02T07:33:25.7734333+00:00", "actorId": "oidc:auth0|grace", "actorName": "Grace Hopper", "correlationId": "5dbc737e-b8d4-4333-bc21-859a7fae9805"}	2026-12-02 07:33:25.774+00	755
16	518aa59f-cb64-cd8f-aefa-a516a03b7f98	constitution-dcbd6c86cc698188958f5bc103051965	2	revision_committed	{"merged": false, "number": 1, "summary": "", "markdown": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says what it believes to be true.\\n\\n## Agreeableness\\n\\n:::variant default\\nThe model is warm but says clearly when it disagrees.\\n:::\\n\\n:::variant lower\\nThe model pushes back whenever it sees a better approach.\\n:::\\n\\n## Safety\\n\\nThe model refuses to help with serious harm.", "sections": [{"id": "sad3a2ba341", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7ce0e30152", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:00ebae48e85dc07bacbf271de35080d23b7398b1e957540e86309f2b2fc64e1a", "fingerprint": "v1.7.FMHORaLpI1mCyH1f73ZHtMR+6r6H+5XmKtzy5w==", "variantNames": []}, {"id": "sd3c2152aa2", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "se5330e921b", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:2352e1c87d4d80165275c780fb254d2799610aa9463d55a09e87a1e6816c0e3b", "fingerprint": "v1.6.EhZrHvKa+DkTuUt9icvftqiH7NKDnb/p", "variantNames": []}], "baseRevision": 0}	{"time": "2026-12-02T07:33:25.7734333+00:00", "actorId": "oidc:auth0|grace", "actorName": "Grace Hopper", "correlationId": "5dbc737e-b8d4-4333-bc21-859a7fae9805"}	2026-12-02 07:33:25.774+00	755
17	dca8cc47-f119-1587-84f6-cd1c7f30e4fc	chat-f0c1168596fe7f85acde56325f142bcf	1	chat_started	{"title": "Honesty check", "chatId": "f0c11685-96fe-7f85-acde-56325f142bcf", "ownerId": "local:ada", "ownerName": "Ada Lovelace", "provenance": {"slug": "alpha", "model": {"id": "demo-qwen2", "fileSha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "executionProvider": "cpu"}, "recipe": {}, "revision": 4, "sampling": {"minP": 0.05, "seed": 42, "topK": 40, "topP": 0.9, "stopStrings": ["</s>"], "temperature": 0.7, "maxNewTokens": 128, "repetitionPenalty": 1.1}, "promptHash": "sha256:08f5bc24053d6e5daffe7b9d78ffe270908c1ca28175a68fba963f1ca9bcb322", "systemPrompt": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\nThe model is kind and warm but says clearly when it disagrees.\\n\\n## Safety\\n\\nThe model declines to help with serious harm.\\n", "constitutionId": "ce369c43-9689-8387-a0ad-0a8fdf84d1d5"}}	{"time": "2026-12-02T07:33:25.8032015+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "84e55a74-72e6-4bc1-9e8e-631c9dba387d"}	2026-12-02 07:33:25.812828+00	757
18	545c7731-a96d-a482-a8da-3246294a0ba8	chat-f0c1168596fe7f85acde56325f142bcf	2	user_message_posted	{"text": "Would you lie to make me feel better?", "messageId": "49e021a3-c51a-388e-8013-491e23436269"}	{"time": "2026-12-02T07:33:25.8365978+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "c7747276-95c7-4dcc-b858-aae2f701d2e4"}	2026-12-02 07:33:25.838565+00	759
26	dfde0123-1a78-ce8d-9325-92b28493f681	chat-f0c1168596fe7f85acde56325f142bcf	10	user_message_posted	{"text": "And with the lower agreeableness?", "messageId": "08b19985-97d0-8484-883c-1e5fa44f4e3f", "parentMessageId": "ceb05ec0-e8e6-d085-8093-8e0d110f635c"}	{"time": "2026-12-02T07:33:25.9596453+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "6507674c-a309-4ad4-a09e-f3be22dfe82f"}	2026-12-02 07:33:25.960593+00	775
27	9b5db765-efd1-3981-968d-a2ddcf93a1fa	chat-f0c1168596fe7f85acde56325f142bcf	11	reply_started	{"node": "node-a", "messageId": "75bf9da1-504c-d384-af78-aa69818cfd73", "provenance": {"slug": "alpha", "model": {"id": "demo-qwen2", "fileSha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "executionProvider": "cpu"}, "recipe": {"sa52644b71a": "lower"}, "revision": 2, "sampling": {"minP": 0.05, "seed": 7, "topK": 40, "topP": 0.9, "stopStrings": ["</s>"], "temperature": 0.7, "maxNewTokens": 128, "repetitionPenalty": 1.1}, "promptHash": "sha256:786d1a9b702a8e07d7fd1f9bcd60bb3410a2573dd8cc85e5df2c6880e867d33e", "systemPrompt": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\nThe model pushes back whenever it sees a better approach.\\n\\n## Safety\\n\\nThe model refuses to help with serious harm.\\n", "constitutionId": "ce369c43-9689-8387-a0ad-0a8fdf84d1d5"}, "parentMessageId": "08b19985-97d0-8484-883c-1e5fa44f4e3f"}	{"time": "2026-12-02T07:33:26.0292722+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "5f5e97bd-e0d2-4932-9ac2-54d3a1e7a50b"}	2026-12-02 07:33:26.030703+00	777
28	82689ba3-a9f5-158c-b6a5-8e90883e0a59	chat-f0c1168596fe7f85acde56325f142bcf	12	reply_tokens_appended	{"messageId": "75bf9da1-504c-d384-af78-aa69818cfd73", "textDelta": "Then I would push back.", "completionTokens": 6}	{"time": "2026-12-02T07:33:26.0332531+00:00", "actorId": "system", "actorName": "ConstitutionHub", "correlationId": "eb8a92ca-2ea9-4193-854e-4deb2a0aa99a"}	2026-12-02 07:33:26.03337+00	779
29	ad748c1a-56dc-0d8c-ba63-f9ee3000d724	chat-f0c1168596fe7f85acde56325f142bcf	13	reply_completed	{"messageId": "75bf9da1-504c-d384-af78-aa69818cfd73", "finishReason": "length", "promptTokens": 130, "tokensPerSecond": 30, "completionTokens": 6}	{"time": "2026-12-02T07:33:26.0347284+00:00", "actorId": "system", "actorName": "ConstitutionHub", "correlationId": "e5269f12-79c0-402d-aba4-92f51523bc03"}	2026-12-02 07:33:26.034841+00	781
30	61494e87-138a-ec80-a240-9898d18637da	chat-f0c1168596fe7f85acde56325f142bcf	14	user_message_posted	{"text": "Would you ever lie?", "messageId": "423e1ad9-ee51-4881-9b67-d3df549a3712"}	{"time": "2026-12-02T07:33:26.0617198+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "1008f6a2-22f4-4c0d-994f-c97a5319c562"}	2026-12-02 07:33:26.063523+00	783
31	ebb81b7e-9d0f-8c83-8391-abb22e148860	chat-f0c1168596fe7f85acde56325f142bcf	15	reply_started	{"node": "node-b", "messageId": "777fc709-4252-1c82-aed8-0c5ab23cb8b9", "parentMessageId": "423e1ad9-ee51-4881-9b67-d3df549a3712"}	{"time": "2026-12-02T07:33:26.0735775+00:00", "actorId": "local:ada", "actorName": "Ada Lovelace", "correlationId": "7afae74a-1b12-46cf-b8b8-b3a63018f0ee"}	2026-12-02 07:33:26.073773+00	785
32	5d7b3ef5-824b-8586-852d-23476993f14b	chat-f0c1168596fe7f85acde56325f142bcf	16	reply_tokens_appended	{"messageId": "777fc709-4252-1c82-aed8-0c5ab23cb8b9", "textDelta": "I try not ", "completionTokens": 3}	{"time": "2026-12-02T07:33:26.0819373+00:00", "actorId": "system", "actorName": "ConstitutionHub", "correlationId": "bfad29f5-d491-494c-9324-ac00ecc75098"}	2026-12-02 07:33:26.082114+00	787
33	f1a1a3c9-173d-8689-b5f7-80c959e1b50c	chat-f0c1168596fe7f85acde56325f142bcf	17	reply_interrupted	{"reason": "The server restarted while this reply was being written.", "messageId": "777fc709-4252-1c82-aed8-0c5ab23cb8b9"}	{"time": "2026-12-02T07:33:26.1169021+00:00", "actorId": "system", "actorName": "ConstitutionHub", "correlationId": "a1228570-0166-f183-9cba-2e6ab30d50b2"}	2026-12-02 07:33:26.118583+00	789
34	e45c5dd6-f16e-7183-8b82-23dbdb74595f	chat-baf7110ce531c38b8c4bf9a56c487038	1	chat_started	{"title": "alpha-fork r2 · demo-qwen2", "chatId": "baf7110c-e531-c38b-8c4b-f9a56c487038", "ownerId": "oidc:auth0|grace", "ownerName": "Grace Hopper", "provenance": {"slug": "alpha-fork", "model": {"id": "demo-qwen2", "fileSha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "executionProvider": "cpu"}, "recipe": {}, "revision": 2, "sampling": {"minP": 0.05, "seed": 42, "topK": 40, "topP": 0.9, "stopStrings": ["</s>"], "temperature": 0.7, "maxNewTokens": 128, "repetitionPenalty": 1.1}, "promptHash": "sha256:53ed1f5d4883258a1bba8fc5749ddbb21e53934b78bc15c4a43a1f819efef319", "systemPrompt": "# Helpful assistant\\n\\n## Honesty\\n\\nThe model says only what it believes to be true.\\n\\n## Agreeableness\\n\\nThe model is warm but says clearly when it disagrees.\\n\\n## Safety\\n\\nThe model declines to help with serious harm.\\n## Humour\\n\\nThe model may joke.\\n", "constitutionId": "c9c724f4-fa5e-6185-a870-30bd407e3999"}}	{"time": "2026-12-02T07:33:26.1289244+00:00", "actorId": "oidc:auth0|grace", "actorName": "Grace Hopper", "correlationId": "eee0395b-ed5f-43ba-b04b-9c53b4d5434a"}	2026-12-02 07:33:26.129499+00	791
35	e8b1464c-39fe-fc8c-96cb-9b9abe250db2	chat-baf7110ce531c38b8c4bf9a56c487038	2	user_message_posted	{"text": "Tell me a joke.", "messageId": "cd5f1e3e-560c-1f85-810f-3318a00a7b0b"}	{"time": "2026-12-02T07:33:26.1448033+00:00", "actorId": "oidc:auth0|grace", "actorName": "Grace Hopper", "correlationId": "e3295e78-3f35-4653-a4bf-0692f8d2a2ca"}	2026-12-02 07:33:26.14497+00	793
36	eb685732-83fe-2b8b-b1f8-778adf322635	chat-baf7110ce531c38b8c4bf9a56c487038	3	reply_started	{"node": "node-a", "messageId": "9738e3bc-0686-ac83-9772-1017a42715c6", "parentMessageId": "cd5f1e3e-560c-1f85-810f-3318a00a7b0b"}	{"time": "2026-12-02T07:33:26.1509069+00:00", "actorId": "oidc:auth0|grace", "actorName": "Grace Hopper", "correlationId": "2bc8b518-1dd8-406e-969c-420aa826caae"}	2026-12-02 07:33:26.151094+00	795
37	c6a4f719-924a-a987-a2a1-35688db82be4	chat-baf7110ce531c38b8c4bf9a56c487038	4	reply_tokens_appended	{"messageId": "9738e3bc-0686-ac83-9772-1017a42715c6", "textDelta": "Why did the compiler ", "completionTokens": 5}	{"time": "2026-12-02T07:33:26.1556578+00:00", "actorId": "system", "actorName": "ConstitutionHub", "correlationId": "c569b094-d5c7-4ba3-94ce-a1da337c76c9"}	2026-12-02 07:33:26.155922+00	797
\.


--
-- Data for Name: labels; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.labels (constitution_id, name, revision, moved_by_name, moved_at) FROM stdin;
ce369c43-9689-8387-a0ad-0a8fdf84d1d5	published	3	Ada Lovelace	2026-12-02 07:33:25.727094+00
\.


--
-- Data for Name: revisions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.revisions (constitution_id, number, author_id, author_name, created, summary, size, size_delta, markdown, sections, base_revision, restored_from, merged) FROM stdin;
ce369c43-9689-8387-a0ad-0a8fdf84d1d5	1	local:ada	Ada Lovelace	2026-12-02 07:33:25.402414+00	First draft	309	309	# Helpful assistant\n\n## Honesty\n\nThe model says what it believes to be true.\n\n## Agreeableness\n\n:::variant default\nThe model is warm but says clearly when it disagrees.\n:::\n\n:::variant lower\nThe model pushes back whenever it sees a better approach.\n:::\n\n## Safety\n\nThe model refuses to help with serious harm.	[{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:00ebae48e85dc07bacbf271de35080d23b7398b1e957540e86309f2b2fc64e1a", "fingerprint": "v1.7.FMHORaLpI1mCyH1f73ZHtMR+6r6H+5XmKtzy5w==", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:2352e1c87d4d80165275c780fb254d2799610aa9463d55a09e87a1e6816c0e3b", "fingerprint": "v1.6.EhZrHvKa+DkTuUt9icvftqiH7NKDnb/p", "variantNames": []}]	0	\N	f
ce369c43-9689-8387-a0ad-0a8fdf84d1d5	2	local:ada	Ada Lovelace	2026-12-02 07:33:25.658858+00	Sharper honesty	314	5	# Helpful assistant\n\n## Honesty\n\nThe model says only what it believes to be true.\n\n## Agreeableness\n\n:::variant default\nThe model is warm but says clearly when it disagrees.\n:::\n\n:::variant lower\nThe model pushes back whenever it sees a better approach.\n:::\n\n## Safety\n\nThe model refuses to help with serious harm.	[{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:2352e1c87d4d80165275c780fb254d2799610aa9463d55a09e87a1e6816c0e3b", "fingerprint": "v1.6.EhZrHvKa+DkTuUt9icvftqiH7NKDnb/p", "variantNames": []}]	1	\N	f
ce369c43-9689-8387-a0ad-0a8fdf84d1d5	3	oidc:auth0|grace	Grace Hopper	2026-12-02 07:33:25.671314+00	Softer safety	315	1	# Helpful assistant\n\n## Honesty\n\nThe model says only what it believes to be true.\n\n## Agreeableness\n\n:::variant default\nThe model is warm but says clearly when it disagrees.\n:::\n\n:::variant lower\nThe model pushes back whenever it sees a better approach.\n:::\n\n## Safety\n\nThe model declines to help with serious harm.	[{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:6f53eb6e86fda59744d9882824e618e4a224bddab1b92a7cf654323f5ee425b2", "fingerprint": "v1.6.EhZrHs5san9QnyihicvftoOdv+k1vIX0", "variantNames": []}]	2	\N	f
ce369c43-9689-8387-a0ad-0a8fdf84d1d5	4	local:ada	Ada Lovelace	2026-12-02 07:33:25.700357+00	Kinder	324	9	# Helpful assistant\n\n## Honesty\n\nThe model says only what it believes to be true.\n\n## Agreeableness\n\n:::variant default\nThe model is kind and warm but says clearly when it disagrees.\n:::\n\n:::variant lower\nThe model pushes back whenever it sees a better approach.\n:::\n\n## Safety\n\nThe model declines to help with serious harm.	[{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:1f33fd1fb03ab9251451c619a7e8cc5d63a3ff5a12827fae99ceeece11d2e5f2", "fingerprint": "v1.24.KAc+BycHNAgeY0EMSJ5yEeu12BRfJRoX/THXHXU1FiAb6DYh/l35Phnap0J8GWBPcDcsV11dfV22/bRgmfp5bBsTtIAsLh2Z3+4CsVEZ4LILrpu32i+5usAcYsBdfrDZ", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:6f53eb6e86fda59744d9882824e618e4a224bddab1b92a7cf654323f5ee425b2", "fingerprint": "v1.6.EhZrHs5san9QnyihicvftoOdv+k1vIX0", "variantNames": []}]	2	\N	t
ce369c43-9689-8387-a0ad-0a8fdf84d1d5	5	oidc:auth0|grace	Grace Hopper	2026-12-02 07:33:25.709329+00	Restored revision 2	314	-10	# Helpful assistant\n\n## Honesty\n\nThe model says only what it believes to be true.\n\n## Agreeableness\n\n:::variant default\nThe model is warm but says clearly when it disagrees.\n:::\n\n:::variant lower\nThe model pushes back whenever it sees a better approach.\n:::\n\n## Safety\n\nThe model refuses to help with serious harm.	[{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:2352e1c87d4d80165275c780fb254d2799610aa9463d55a09e87a1e6816c0e3b", "fingerprint": "v1.6.EhZrHvKa+DkTuUt9icvftqiH7NKDnb/p", "variantNames": []}]	4	2	f
c9c724f4-fa5e-6185-a870-30bd407e3999	1	oidc:auth0|grace	Grace Hopper	2026-12-02 07:33:25.758531+00	Forked from alpha at revision 3	315	315	# Helpful assistant\n\n## Honesty\n\nThe model says only what it believes to be true.\n\n## Agreeableness\n\n:::variant default\nThe model is warm but says clearly when it disagrees.\n:::\n\n:::variant lower\nThe model pushes back whenever it sees a better approach.\n:::\n\n## Safety\n\nThe model declines to help with serious harm.	[{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:6f53eb6e86fda59744d9882824e618e4a224bddab1b92a7cf654323f5ee425b2", "fingerprint": "v1.6.EhZrHs5san9QnyihicvftoOdv+k1vIX0", "variantNames": []}]	0	\N	f
c9c724f4-fa5e-6185-a870-30bd407e3999	2	oidc:auth0|grace	Grace Hopper	2026-12-02 07:33:25.767089+00	Adds humour	347	32	# Helpful assistant\n\n## Honesty\n\nThe model says only what it believes to be true.\n\n## Agreeableness\n\n:::variant default\nThe model is warm but says clearly when it disagrees.\n:::\n\n:::variant lower\nThe model pushes back whenever it sees a better approach.\n:::\n\n## Safety\n\nThe model declines to help with serious harm.\n## Humour\n\nThe model may joke.\n	[{"id": "s5210da2196", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7974b19a74", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:e4030c6833d929262b0614d5c272f1f6620befce5b94084e0d865f10323f6fa7", "fingerprint": "v1.8.1mvtQqLpI1mCyH1f2zEKc+qeQXfvdke0xH7qvof7leY=", "variantNames": []}, {"id": "sa52644b71a", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "sda9ee470ba", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:b5cea152ade8bdee00dbb2d5c3c9159c75c5111eb26e10d09cbb584c06a807e5", "fingerprint": "v1.6.EhZrHs5san9QnyihicvftoOdv+k1vIX0", "variantNames": []}, {"id": "se516092959", "level": 2, "heading": "Humour", "ordinal": 4, "contentHash": "sha256:560f0688e85368503981e1d87b637b721021a8a78116aad74a6bf83f572fd505", "fingerprint": "v1.2.DJA1QU44Jm8=", "variantNames": []}]	1	\N	f
dcbd6c86-cc69-8188-958f-5bc103051965	1	oidc:auth0|grace	Grace Hopper	2026-12-02 07:33:25.773433+00		309	309	# Helpful assistant\n\n## Honesty\n\nThe model says what it believes to be true.\n\n## Agreeableness\n\n:::variant default\nThe model is warm but says clearly when it disagrees.\n:::\n\n:::variant lower\nThe model pushes back whenever it sees a better approach.\n:::\n\n## Safety\n\nThe model refuses to help with serious harm.	[{"id": "sad3a2ba341", "level": 1, "heading": "Helpful assistant", "ordinal": 0, "contentHash": "sha256:e01e4066366b6a95200267eaf8b8132b9bcc92f2769bd4c64091a8dc81345df7", "fingerprint": "v1.0.", "variantNames": []}, {"id": "s7ce0e30152", "level": 2, "heading": "Honesty", "ordinal": 1, "contentHash": "sha256:00ebae48e85dc07bacbf271de35080d23b7398b1e957540e86309f2b2fc64e1a", "fingerprint": "v1.7.FMHORaLpI1mCyH1f73ZHtMR+6r6H+5XmKtzy5w==", "variantNames": []}, {"id": "sd3c2152aa2", "level": 2, "heading": "Agreeableness", "ordinal": 2, "contentHash": "sha256:2483654534acb30f19b6096adb86f29784d1698697b455462589855560b77263", "fingerprint": "v1.22.KAc+BycHNAgeY0EMSJ5yEV8lGheu8Rwd/THXHXU1FiAb6DYh/l35PnwZYE9wNyxXXV19Xbb9tGCZ+nlsLC4dmd/uArELrpu32i+5usAcYsBdfrDZdmMm/w==", "variantNames": ["default", "lower"], "defaultVariant": "default"}, {"id": "se5330e921b", "level": 2, "heading": "Safety", "ordinal": 3, "contentHash": "sha256:2352e1c87d4d80165275c780fb254d2799610aa9463d55a09e87a1e6816c0e3b", "fingerprint": "v1.6.EhZrHvKa+DkTuUt9icvftqiH7NKDnb/p", "variantNames": []}]	0	\N	f
\.


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.schema_migrations (version, name, applied) FROM stdin;
1	001_event_store	2026-12-02 07:33:25.064593+00
2	002_documents	2026-12-02 07:33:25.075022+00
3	003_chats_and_shares	2026-12-02 07:33:25.084225+00
\.


--
-- Data for Name: share_links; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.share_links (id, token_hash, chat_id, mode, snapshot_message_id, hide_system_prompt, expires, created, created_by_id, created_by_name, revoked, revoked_by_id, revoked_by_name) FROM stdin;
01a235ac-2e47-73c8-a851-0887c2a3c018	\\x3aaaedb2dac07d7ccf0e6f535b49e6e0698962e75504c62a8b329651c420d0d2	f0c11685-96fe-7f85-acde-56325f142bcf	snapshot	ceb05ec0-e8e6-d085-8093-8e0d110f635c	f	\N	2026-12-02 07:33:26.215276+00	local:ada	Ada Lovelace	\N	\N	\N
01a235ac-2e5e-7d62-8006-6d9c37ec569a	\\xf28f2d42bc4df427dcbd3283e812a450306efbd650bf761aefde3cabb324c94f	f0c11685-96fe-7f85-acde-56325f142bcf	live	\N	f	2027-01-01 07:33:26.236386+00	2026-12-02 07:33:26.238159+00	local:ada	Ada Lovelace	\N	\N	\N
01a235ac-2e70-719c-bfee-c04463c88e40	\\x183c71e39e69008cc3bd575b8f60a7b93ff3492bc9e8ab89e99796b6cd7cfa0f	f0c11685-96fe-7f85-acde-56325f142bcf	snapshot	777fc709-4252-1c82-aed8-0c5ab23cb8b9	t	\N	2026-12-02 07:33:26.256392+00	local:ada	Ada Lovelace	\N	\N	\N
01a22b5f-7675-76bb-99bc-5376ac4a4e2a	\\xcb4ccf34835587069d413f5d001129bed8c1a2c85a3408eb95490cf838e859c7	f0c11685-96fe-7f85-acde-56325f142bcf	live	\N	f	2026-11-30 08:33:26.260867+00	2026-11-30 07:33:26.261775+00	local:ada	Ada Lovelace	\N	\N	\N
01a235ac-2e77-7deb-b913-5cc1824a66ec	\\xebb7becb076cc6c5b642c8c889e4897639881963aa36674f6d2bbe6f1942adbe	baf7110c-e531-c38b-8c4b-f9a56c487038	live	\N	f	\N	2026-12-02 07:33:26.263013+00	oidc:auth0|grace	Grace Hopper	2026-12-02 07:33:26.283719+00	oidc:auth0|grace	Grace Hopper
\.


--
-- Data for Name: streams; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.streams (id, type, version, created, updated) FROM stdin;
constitution-ce369c4396898387a0ad0a8fdf84d1d5	constitution	11	2026-12-02 07:33:25.584966+00	2026-12-02 07:33:25.748194+00
constitution-c9c724f4fa5e6185a87030bd407e3999	constitution	3	2026-12-02 07:33:25.759772+00	2026-12-02 07:33:25.769087+00
constitution-dcbd6c86cc698188958f5bc103051965	constitution	2	2026-12-02 07:33:25.774+00	2026-12-02 07:33:25.774+00
chat-f0c1168596fe7f85acde56325f142bcf	chat	17	2026-12-02 07:33:25.812828+00	2026-12-02 07:33:26.118583+00
chat-baf7110ce531c38b8c4bf9a56c487038	chat	4	2026-12-02 07:33:26.129499+00	2026-12-02 07:33:26.155922+00
\.


--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.users (id, display_name, provider, created, last_seen) FROM stdin;
local:ada	Ada Lovelace	local	2026-12-02 07:33:25.098631+00	2026-12-02 07:33:25.098631+00
oidc:auth0|grace	Grace Hopper	oidc	2026-12-02 07:33:25.102208+00	2026-12-02 07:33:25.102208+00
\.


--
-- Name: events_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.events_seq_seq', 37, true);


--
-- Name: chat_messages chat_messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.chat_messages
    ADD CONSTRAINT chat_messages_pkey PRIMARY KEY (chat_id, message_id);


--
-- Name: chats chats_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.chats
    ADD CONSTRAINT chats_pkey PRIMARY KEY (id);


--
-- Name: constitutions constitutions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.constitutions
    ADD CONSTRAINT constitutions_pkey PRIMARY KEY (id);


--
-- Name: constitutions constitutions_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.constitutions
    ADD CONSTRAINT constitutions_slug_key UNIQUE (slug);


--
-- Name: events events_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_id_key UNIQUE (id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (seq);


--
-- Name: events events_stream_version_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_stream_version_key UNIQUE (stream_id, version);


--
-- Name: labels labels_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.labels
    ADD CONSTRAINT labels_pkey PRIMARY KEY (constitution_id, name);


--
-- Name: revisions revisions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revisions
    ADD CONSTRAINT revisions_pkey PRIMARY KEY (constitution_id, number);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: share_links share_links_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.share_links
    ADD CONSTRAINT share_links_pkey PRIMARY KEY (id);


--
-- Name: share_links share_links_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.share_links
    ADD CONSTRAINT share_links_token_hash_key UNIQUE (token_hash);


--
-- Name: streams streams_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.streams
    ADD CONSTRAINT streams_pkey PRIMARY KEY (id);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: chat_messages_order; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX chat_messages_order ON public.chat_messages USING btree (chat_id, "position");


--
-- Name: chat_messages_streaming; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX chat_messages_streaming ON public.chat_messages USING btree (node) WHERE (status = 'streaming'::text);


--
-- Name: chats_constitution_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX chats_constitution_created ON public.chats USING btree (constitution_id, created DESC, id);


--
-- Name: chats_constitution_model; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX chats_constitution_model ON public.chats USING btree (constitution_id, model_id, created DESC);


--
-- Name: chats_constitution_owner; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX chats_constitution_owner ON public.chats USING btree (constitution_id, owner_id, created DESC);


--
-- Name: chats_constitution_revision; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX chats_constitution_revision ON public.chats USING btree (constitution_id, revision, created DESC);


--
-- Name: chats_owner; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX chats_owner ON public.chats USING btree (owner_id, created DESC);


--
-- Name: constitutions_forked_from; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX constitutions_forked_from ON public.constitutions USING btree (forked_from_id);


--
-- Name: constitutions_search; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX constitutions_search ON public.constitutions USING gin (search);


--
-- Name: constitutions_updated; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX constitutions_updated ON public.constitutions USING btree (updated DESC);


--
-- Name: events_tx_seq; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_tx_seq ON public.events USING btree (tx_id, seq);


--
-- Name: share_links_chat; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX share_links_chat ON public.share_links USING btree (chat_id);


--
-- Name: share_links_created_by; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX share_links_created_by ON public.share_links USING btree (created_by_id, created DESC);


--
-- Name: chat_messages chat_messages_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.chat_messages
    ADD CONSTRAINT chat_messages_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats(id);


--
-- Name: events events_stream_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_stream_id_fkey FOREIGN KEY (stream_id) REFERENCES public.streams(id);


--
-- Name: labels labels_constitution_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.labels
    ADD CONSTRAINT labels_constitution_id_fkey FOREIGN KEY (constitution_id) REFERENCES public.constitutions(id);


--
-- Name: revisions revisions_constitution_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revisions
    ADD CONSTRAINT revisions_constitution_id_fkey FOREIGN KEY (constitution_id) REFERENCES public.constitutions(id);


--
-- Name: share_links share_links_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.share_links
    ADD CONSTRAINT share_links_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats(id);


--
-- PostgreSQL database dump complete
--

\unrestrict Bsz7OvfWPQLzfx4uL3hjCZj8yRbKvHE4PxSNmW84tzYIZjlHuGw2ARZ7LjHPryW

