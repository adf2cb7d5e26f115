"""The sentences the catch-up and the endpoint health say, in one place."""

import time

# Svix tries a delivery immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h,
# 10 h and 10 h again (docs.svix.com/retries): the last try comes about
# 27 h 35 min after the first, and then the message is dropped.
SVIX_RETRY_WINDOW_S = 5 + 5 * 60 + 30 * 60 + 2 * 3600 + 5 * 3600 + 20 * 3600
# Svix disables an endpoint whose every attempt failed for 5 days.
SVIX_DISABLE_AFTER_S = 5 * 24 * 3600.0


def duration(seconds: float) -> str:
    """Return "3 d 4 h", "2 h 5 min", "12 min" or "40 s"."""
    whole = max(0, int(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def moment(when: float, now: float) -> str:
    """Return a local time: "14:05" today, else "Tue 3 Dec 14:05"."""
    then = time.localtime(when)
    if time.localtime(now)[:3] == then[:3]:
        return time.strftime("%H:%M", then)
    return time.strftime("%a %d %b %H:%M", then).replace(" 0", " ")


def count(number: int, singular: str, plural: str) -> str:
    """Return "1 signup" or "14 signups"."""
    return f"{number} {singular if number == 1 else plural}"


def offline(start: float, end: float) -> str:
    """Return "HookFlo was offline for 3 h 12 min (from 11:00 to 14:12)"."""
    return (
        f"HookFlo was offline for {duration(end - start)} "
        f"(from {moment(start, end)} to {moment(end, end)})"
    )


def without_key(source: str, start: float, end: float, variable: str) -> str:
    """Return what the user is told when no Clerk secret key is set."""
    retries = duration(SVIX_RETRY_WINDOW_S)
    if end - start > SVIX_RETRY_WINDOW_S:
        missing = (
            f"Clerk retries a delivery for about {retries}, so events of "
            f"{source!r} from before {moment(end - SVIX_RETRY_WINDOW_S, end)} "
            "may be missing"
        )
    else:
        missing = (
            f"Clerk retries a delivery for about {retries}, so the events of "
            f"{source!r} from that time should still arrive; any older than that "
            "may be missing"
        )
    return (
        f"{offline(start, end)}. {missing}. To list the users created while "
        f"away from Clerk next time, set a Clerk secret key: `hookflo secret set "
        f"{source} --clerk-secret-key` (or {variable})"
    )


def caught_up(source: str, created: int, updated: int) -> str:
    """Return "While you were away: 14 signups and 3 updated users (clerk)"."""
    if not created and not updated:
        return f"While you were away: no signups or user changes ({source})"
    parts = []
    if created:
        parts.append(count(created, "signup", "signups"))
    if updated:
        parts.append(count(updated, "updated user", "updated users"))
    return f"While you were away: {' and '.join(parts)} ({source})"
