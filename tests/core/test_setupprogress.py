"""What the first-run guide reads from the store, against the real receiver."""

import time

from hookflo.core import setupprogress
from hookflo.core.refusal import Reason
from tests.support.clerk import SECRET, SECRET_B, clerk_body, signed_headers
from tests.support.receiverfixtures import make_source


async def test_progress_follows_a_refusal_then_a_verified_event(make_receiver):
    since = time.time() - 1
    harness = await make_receiver()
    reader = setupprogress.ProgressReader(harness.database_file)
    source = make_source()
    try:
        assert reader.read(source, since=since) == setupprogress.SourceProgress(
            None, None
        )

        body = clerk_body()
        answer = await harness.client.post(
            source.path, data=body, headers=signed_headers(body, SECRET_B)
        )
        assert answer.status == 401
        await harness.writer.flush()
        progress = reader.read(source, since=since)
        assert progress.reached
        assert progress.refusal_outstanding
        assert progress.refused is not None
        assert progress.refused.reason == Reason.SIGNATURE_MISMATCH
        assert progress.refused.wrong_secret
        assert progress.refused.hint
        assert progress.verified is None
        # Refusals from before the guide opened do not count.
        assert reader.read(source, since=time.time() + 60).refused is None

        answer = await harness.client.post(
            source.path, data=body, headers=signed_headers(body, SECRET)
        )
        assert answer.status == 200
        progress = reader.read(source, since=since)
        assert progress.verified is not None
        assert progress.verified.event_type == "user.created"
        assert not progress.refusal_outstanding
        assert reader.read(make_source("other"), since=since).verified is None
    finally:
        reader.close()


async def test_a_request_to_a_path_nobody_serves_is_not_this_sources(make_receiver):
    harness = await make_receiver()
    reader = setupprogress.ProgressReader(harness.database_file)
    try:
        answer = await harness.client.post("/webhooks/typo", data=b"{}")
        assert answer.status == 404
        await harness.writer.flush()
        progress = reader.read(make_source(), since=0)
        assert not progress.reached
        assert reader.read(make_source(path="/webhooks/typo"), since=0).reached
    finally:
        reader.close()
