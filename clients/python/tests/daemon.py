"""A real ttpgraphd for the tests and the benchmark: it binds port 0 itself and says which
port it got in its "serving" log line, so no port is picked before it binds."""
import json
import pathlib
import signal
import subprocess
import time


class Daemon:
    """ttpgraphd --listen 127.0.0.1:0 --data-dir WORKDIR/db, its log in WORKDIR/server.log."""

    def __init__(self, binary, workdir, start_timeout=60.0, args=()):
        workdir = pathlib.Path(workdir)
        self.log_path = workdir / "server.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--data-dir", str(workdir / "db"),
                                             *map(str, args)],
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + start_timeout
        while (port := self._port()) is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"ttpgraphd did not start (exit {self.process.returncode}):\n{self.log()}")
            time.sleep(0.02)
        self.target = f"127.0.0.1:{port}"
        # The admin token ttpgraphd writes at its first start (mode 0600).
        self.token_file = workdir / "db" / "admin.token"

    def token(self):
        return self.token_file.read_text().strip()

    def _port(self):
        for line in self.log().splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("msg") == "serving":
                    return int(entry["port"])
        return None

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        """SIGTERM (the server drains its calls), bounded: SIGKILL after 15 s. The exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
