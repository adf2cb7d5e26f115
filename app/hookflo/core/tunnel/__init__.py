"""The ngrok tunnel: a public URL for Clerk that stays up and says when not.

Qt-free; runs under ``hookflo serve --tunnel`` and in the tray app. The
``supervisor`` module holds the ``Tunnel`` front ends use; ``agent`` drives
the ngrok agent through pyngrok, ``locate`` finds it and ``supply`` with
``download`` fetches it when the user asks (never at start-up), ``health``
checks the public side, ``errors`` explains failures, and ``guard`` with
``watchdog`` make sure no agent outlives HookFlo.

NOTE: no module here imports pyngrok (nor yaml, which it imports) at the
top: they load only once a tunnel is built, an agent looked for or fetched,
so an app whose tunnel is off never pays for them. Annotations name
pyngrok's types under ``TYPE_CHECKING``.
"""
