"""Renewal of short-lived certificates and retries after refused
challenges, against pebble: the certificate's own dates set the renewal
(two thirds of its lifetime), a failure is logged with its reason and
retried with a doubling backoff, and the certificate in use keeps serving
while renewals fail."""

import re
from datetime import datetime, timezone
from pathlib import Path

from conftest import ISSUE_TIMEOUT, SCALE, cert_field

# pebble's certificateValidityPeriod for these tests: renewal is due after
# two thirds (14 s), leaving 7 s before the certificate would lapse.
LIFETIME_S = 21
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z")


def log_time(line):
    return datetime.strptime(LOG_TIME.match(line).group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc)


def test_a_short_lived_certificate_is_renewed_at_two_thirds_of_its_life(acme_env):
    env = acme_env.start(validity_seconds=LIFETIME_S)
    r = env.responder(["short.keel.test"])
    i, first = r.wait_certificate()
    nb, na, renew_at = int(first["not_before_ms"]), int(first["not_after_ms"]), int(first["renew_at_ms"])
    # pebble's dates are what the schedule reads: a 21 s lifetime renews 14 s in
    assert abs((na - nb) - LIFETIME_S * 1000) <= 1000
    assert renew_at == nb + (na - nb) * 2 // 3
    _, second = r.wait_certificate(timeout=(na - nb) / 1000 + ISSUE_TIMEOUT, start=i + 1)
    assert second["issued_now"] == "1"
    assert second["serial"] != first["serial"]
    # not before it was due, and before the first one lapsed
    renewing = r.wait_lines(r"acme: short\.keel\.test: renewing the certificate", 1, 5, stream="err")
    assert len(r.matching(r"acme: short\.keel\.test: renewing the certificate", stream="err")) == 1
    started = log_time(renewing[0]).timestamp() * 1000
    assert started >= renew_at - 1
    assert started < na
    assert int(second["not_before_ms"]) >= nb
    # the state directory holds the new one
    assert cert_field(second["chain"], "-serial").split("=")[1].upper() == second["serial"].upper()


def test_a_refused_challenge_is_logged_and_retried_with_backoff(acme_env):
    env = acme_env.start()
    # pebble's DNS points the name where nothing answers: every validation
    # is refused until the record is put right
    env.pebble.dns("/add-a", {"host": "refused.keel.test.", "addresses": ["127.0.0.2"]})
    r = env.responder(["refused.keel.test"], tls=False, extra=["--retry-first-ms", "1000", "--retry-max-ms", "4000"])
    failures = []
    for n in range(4):
        _, m = r.wait_line(r"^failed refused\.keel\.test retry_in_ms=(\d+) reason=(.*)$", ISSUE_TIMEOUT,
                           start=failures[-1][0] + 1 if failures else 0)
        failures.append((_, int(m.group(1)), m.group(2)))
    # the reason is the CA's: the challenge, and why it failed
    for _, _, reason in failures:
        assert "challenge refused:" in reason and "connection" in reason.lower(), reason
    # 1 s, doubling, capped at 4 s
    assert [d for _, d, _ in failures] == [1000, 2000, 4000, 4000]
    logged = r.wait_lines(r"acme: refused\.keel\.test: .*challenge refused: .*; next attempt in", 4, 5, stream="err")
    assert "next attempt in 1.0s (failure 1 in a row)" in logged[0]
    assert "next attempt in 2.0s (failure 2 in a row)" in logged[1]
    # each attempt waited out its delay
    starts = [log_time(l) for l in r.wait_lines(r"acme: refused\.keel\.test: ordering a certificate", 4, 5,
                                                   stream="err")]
    ends = [log_time(l) for l in logged]
    for k in range(3):
        assert (starts[k + 1] - ends[k]).total_seconds() >= [1, 2, 4][k] - 0.01
    # put right, the next attempt succeeds
    env.pebble.dns("/clear-a", {"host": "refused.keel.test."})
    _, cert = r.wait_certificate(timeout=4 * SCALE + ISSUE_TIMEOUT)
    assert cert["names"] == "refused.keel.test"


def test_a_failing_renewal_keeps_the_certificate_and_retries_before_it_lapses(acme_env):
    # pebble would otherwise reuse the first validation and never ask again
    env = acme_env.start(validity_seconds=LIFETIME_S, pebble_env={"PEBBLE_AUTHZREUSE": "0"})
    r = env.responder(["keep.keel.test"], tls=False, extra=["--retry-first-ms", "1000", "--retry-max-ms", "60000"])
    i, first = r.wait_certificate()
    kept = Path(first["chain"]).read_bytes()
    na = int(first["not_after_ms"])
    env.pebble.dns("/add-a", {"host": "keep.keel.test.", "addresses": ["127.0.0.2"]})
    failed = []
    for n in range(3):
        j, m = r.wait_line(r"^failed keep\.keel\.test retry_in_ms=(\d+) reason=(.*)$", LIFETIME_S + ISSUE_TIMEOUT,
                           start=failed[-1] + 1 if failed else i + 1)
        failed.append(j)
        # the certificate in use stays, on disk and in the log
        assert Path(first["chain"]).read_bytes() == kept
    logged = r.wait_lines(r"acme: keep\.keel\.test: .*challenge refused", 3, 5, stream="err")
    assert all("the current certificate serves until" in l for l in logged), logged
    # with 60 s allowed, the doubling would pass the certificate's end; the
    # delay stays within a quarter of the time it has left instead
    delays = [int(m.group(1)) for m in r.matching(r"^failed keep\.keel\.test retry_in_ms=(\d+)")][:3]
    for line, d in zip(logged, delays):
        left = na - log_time(line).timestamp() * 1000
        assert d <= max(1000, left / 4) + 50, (d, left)
    env.pebble.dns("/clear-a", {"host": "keep.keel.test."})
    _, second = r.wait_certificate(timeout=LIFETIME_S + ISSUE_TIMEOUT, start=failed[-1] + 1)
    assert second["serial"] != first["serial"]
