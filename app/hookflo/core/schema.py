"""The event store's schema and its migrations.

Each migration is applied once, in order, inside one transaction; SQLite's
``user_version`` records how far a database has come. Append new migrations;
never edit one that has shipped.
"""

MIGRATIONS: tuple[str, ...] = (
    # 1: events, refused attempts and the delivery outbox.
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        svix_id TEXT NOT NULL,
        environment TEXT NOT NULL,
        type TEXT,
        received_at REAL NOT NULL,
        signed_at INTEGER NOT NULL,
        body BLOB NOT NULL,
        body_is_json INTEGER NOT NULL,
        is_test INTEGER NOT NULL DEFAULT 0,
        UNIQUE (source, svix_id)
    );
    CREATE INDEX events_by_type ON events (type, id);
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        received_at REAL NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        source TEXT,
        svix_id TEXT,
        status INTEGER NOT NULL,
        reason TEXT NOT NULL,
        message TEXT NOT NULL,
        hint TEXT NOT NULL,
        body_bytes INTEGER
    );
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        state TEXT NOT NULL,
        tries INTEGER NOT NULL DEFAULT 0,
        next_try_at REAL,
        last_error TEXT,
        updated_at REAL NOT NULL,
        UNIQUE (event_id, channel)
    );
    CREATE INDEX deliveries_due ON deliveries (state, next_try_at);
    """,
    # 2: delivery bookkeeping (what the channel answered, summaries) and
    # channels blocked by a permanent failure until their settings change.
    """
    ALTER TABLE deliveries ADD COLUMN created_at REAL;
    ALTER TABLE deliveries ADD COLUMN first_try_at REAL;
    ALTER TABLE deliveries ADD COLUMN sent_at REAL;
    ALTER TABLE deliveries ADD COLUMN answer TEXT;
    ALTER TABLE deliveries ADD COLUMN batch TEXT;
    CREATE INDEX deliveries_by_event ON deliveries (event_id);
    CREATE TABLE channel_blocks (
        channel TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        settings_fingerprint TEXT NOT NULL,
        since REAL NOT NULL
    );
    """,
    # 3: where an event came from. ``origin`` is 'webhook' for what Clerk
    # sent, 'caught-up' for users listed from Clerk's Backend API after time
    # offline, and 'derived' for a named change HookFlo read out of another
    # event (``derived_from`` points at that event).
    """
    ALTER TABLE events ADD COLUMN origin TEXT NOT NULL DEFAULT 'webhook';
    ALTER TABLE events ADD COLUMN derived_from INTEGER REFERENCES events (id);
    CREATE INDEX events_by_origin ON events (derived_from);
    """,
    # 4: when HookFlo was listening (a span per run: a heartbeat moves
    # ``last_seen_at``, a clean stop sets ``stopped_at``), and what each
    # catch-up after time offline found or could not do, per source.
    """
    CREATE TABLE listening_spans (
        id INTEGER PRIMARY KEY,
        started_at REAL NOT NULL,
        last_seen_at REAL NOT NULL,
        stopped_at REAL
    );
    CREATE TABLE catchups (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        offline_from REAL NOT NULL,
        offline_until REAL NOT NULL,
        outcome TEXT NOT NULL,
        created INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        message TEXT NOT NULL,
        finished_at REAL
    );
    CREATE INDEX events_by_source_received ON events (source, received_at);
    """,
    # 5: each user's last seen state per source, moved by user.created,
    # updated and deleted in the transaction that stores the event: the
    # fields whose changes HookFlo names, as JSON, or NULL when the user
    # object of ``event_id`` (a user.created) is the state as it came.
    """
    CREATE TABLE user_states (
        source TEXT NOT NULL,
        user_id TEXT NOT NULL,
        state TEXT,
        updated_at INTEGER,
        event_id INTEGER NOT NULL,
        PRIMARY KEY (source, user_id)
    ) WITHOUT ROWID;
    """,
    # 6: daily and weekly digests, one row per kind, period (its first local
    # day, ISO) and channel, claimed before sending so each goes out once.
    """
    CREATE TABLE digest_runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        period_start TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL,
        tries INTEGER NOT NULL DEFAULT 0,
        next_try_at REAL,
        last_error TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        sent_at REAL,
        answer TEXT,
        UNIQUE (kind, period_start, channel)
    );
    """,
)

LATEST_VERSION = len(MIGRATIONS)
