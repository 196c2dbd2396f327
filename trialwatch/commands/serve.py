"""`trialwatch serve`: the local web app (search form, results, trial pages)."""

from __future__ import annotations

import ipaddress
import socket

import click

from harvester.errors import TrialwatchError
from trialwatch.config import Settings
from trialwatch.options import common_options

__all__ = ["listen", "serve"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (port 0: any free port), or a one-line error. uvicorn serves on it."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as error:
        raise TrialwatchError(f"cannot listen on {host}: {error.strerror}", hint="give --host an IP address") from error
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise TrialwatchError(f"cannot listen on {host}:{port}: {error.strerror}",
                              hint="choose another --port, or stop the program using this one") from error
    sock.set_inheritable(True)
    return sock


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only this computer can connect on the default; "
                   "0.0.0.0 opens it to the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on; 0 picks a free one (the address is printed).")
@common_options
def serve(host: str, port: int, settings: Settings) -> None:
    """Serve a search page for patients on this computer, then open the address it prints in a browser.

    An empty data dir gets the bundled snapshot; the search index is brought up to date before the server starts.
    Stop it with Ctrl-C.

    \b
    Example:
      trialwatch serve
      trialwatch serve --port 8080 --data-dir ./data
    """
    import uvicorn

    from search.dense import load as load_dense_ranking
    from trialwatch.web.app import create_app, prepare_data

    sock = listen(host, port)
    with sock:
        note, index_line = prepare_data(settings.data_dir)
        if note:
            click.echo(f"trialwatch: {note}", err=True)
        click.echo(f"trialwatch: {index_line}", err=True)
        load_dense_ranking()
        if not _is_loopback(host):
            click.echo(f"trialwatch: warning: listening on {host}: other computers on the network can reach this page",
                       err=True)
        shown_host = f"[{host}]" if ":" in host else host
        click.echo(f"trialwatch: serving on http://{shown_host}:{sock.getsockname()[1]}/ (Ctrl-C to stop)", err=True)
        config = uvicorn.Config(create_app(settings.data_dir), host=host, port=sock.getsockname()[1],
                                log_level="warning", server_header=False, access_log=False)
        uvicorn.Server(config).run(sockets=[sock])
