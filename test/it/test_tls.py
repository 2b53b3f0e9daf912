"""httpServer.ssl in a real JVM (docs/tls.md).

The certificates are made here, at test time, with openssl and the JDK's
keytool: a CA, a server certificate it signs (localhost, 127.0.0.1), a client
certificate it signs, and a second CA nobody trusts.  A Python ssl client
scrapes the agent as a user would:

- PKCS#12 keystore: https with the CA file works and serves the same
  samples as plain http; a client that trusts another CA fails; clients
  that connect and send nothing cost no CPU while they wait.
- JKS keystore and truststore given only by -Djavax.net.ssl.keyStore* and
  -Djavax.net.ssl.trustStore* (the fallback jmx_exporter has), mutualTLS:
  a client without a certificate is refused, one with a certificate the CA
  signed is served.
- PEM certificate and key (what cert-manager writes): the files replaced
  while the JVM runs, and the next connection presents the new
  certificate; Prometheus scrapes the agent over https with ca_file.

The same configs and flags are then given to jmx_exporter's jar, which
serves them over https too.  Six JVMs in all.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest

import expo
import harness

BASE_CONFIG = os.path.join(harness.CONFIGS, "01_default.yaml")
PASSWORD = "changeit-tls"


def run(*cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert p.returncode == 0, f"{' '.join(cmd)}:\n{p.stdout.decode(errors='replace')}"


def make_cert(d, name, ca, cn, *, server=True):
    """name.key and name.crt, signed by ca (a name), for cn."""
    run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
        "-subj", f"/CN={cn}", "-out", f"{name}.csr", cwd=d)
    ext = f"{name}.ext"
    with open(os.path.join(d, ext), "w") as f:
        if server:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        else:
            f.write("extendedKeyUsage=clientAuth\n")
    run("openssl", "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey",
        f"{ca}.key", "-CAcreateserial", "-days", "30", "-sha256", "-extfile", ext,
        "-out", f"{name}.crt", cwd=d)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    for tool in ("openssl", "keytool"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: .ci/deps.sh installs it")
    d = str(tmp_path_factory.mktemp("pki"))
    for ca in ("ca", "otherca"):
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key",
            "-subj", f"/CN=test {ca}", "-days", "30", "-out", f"{ca}.crt", cwd=d)
    make_cert(d, "server", "ca", "localhost")
    make_cert(d, "server2", "ca", "localhost rotated")
    make_cert(d, "client", "ca", "scraper", server=False)
    # PKCS#12 (openssl) and JKS (keytool) with the same entry "server".
    run("openssl", "pkcs12", "-export", "-in", "server.crt", "-inkey", "server.key",
        "-certfile", "ca.crt", "-name", "server", "-passout", f"pass:{PASSWORD}",
        "-out", "server.p12", cwd=d)
    run("keytool", "-importkeystore", "-srckeystore", "server.p12", "-srcstoretype", "pkcs12",
        "-srcstorepass", PASSWORD, "-destkeystore", "server.jks", "-deststoretype", "jks",
        "-deststorepass", PASSWORD, "-noprompt", cwd=d)
    run("keytool", "-importcert", "-alias", "ca", "-file", "ca.crt", "-keystore", "trust.jks",
        "-storetype", "jks", "-storepass", PASSWORD, "-noprompt", cwd=d)
    return d


def write_config(d, name, ssl_yaml):
    with open(BASE_CONFIG) as f:
        base = f.read()
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(base.rstrip("\n") + "\nhttpServer:\n  ssl:\n" +
                "".join(f"    {line}\n" for line in ssl_yaml.strip("\n").splitlines()))
    return path


def context(cafile, cert=None):
    ctx = ssl.create_default_context(cafile=cafile)
    if cert:
        ctx.load_cert_chain(*cert)
    return ctx


def https_get(port, ctx, path="/metrics"):
    url = f"https://127.0.0.1:{port}{path}"
    with urllib.request.urlopen(url, context=ctx, timeout=harness.HTTP_TIMEOUT) as r:
        return r.status, r.read().decode()


def peer_cert(port, cafile):
    ctx = context(cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=harness.HTTP_TIMEOUT) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            return t.getpeercert(binary_form=True)


def der_of(path):
    return ssl.PEM_cert_to_DER_cert(open(path).read())


def cpu_seconds(pid):
    """utime + stime of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sample_keys(text):
    """(name, labels) of every sample: what a scrape serves, not the values."""
    return set(expo.parse(text).samples())


def test_pkcs12_https_same_samples_and_wrong_ca(pki):
    cfg = write_config(pki, "p12.yaml", f"""
keyStore:
  filename: {pki}/server.p12
  password: {PASSWORD}
  type: PKCS12
certificate:
  alias: server
""")
    with harness.Jvm("ours", BASE_CONFIG, name="plain") as plain:
        http_text = plain.get().text
    with harness.Jvm("ours", cfg, name="p12") as jvm:
        status, body = https_get(jvm.port, context(os.path.join(pki, "ca.crt")))
        assert status == 200
        # The fixture's beans and java.lang:type=Memory: the same samples
        # (values move); the agent's own jmx_scrape_* etc. too.
        assert sample_keys(body) == sample_keys(http_text)
        with pytest.raises(urllib.error.URLError) as e:
            https_get(jvm.port, context(os.path.join(pki, "otherca.crt")))
        assert isinstance(e.value.reason, ssl.SSLCertVerificationError), e.value
        # Clients that connect and send nothing each hold a worker until the
        # handshake deadline, waiting: civetweb's own mbedTLS handshake loop
        # spins on its non-blocking socket (a core per client); our patch
        # polls (docs/tls.md, "civetweb").
        idle = [socket.create_connection(("127.0.0.1", jvm.port)) for _ in range(4)]
        try:
            before = cpu_seconds(jvm.proc.pid)
            time.sleep(2.0)
            used = cpu_seconds(jvm.proc.pid) - before
        finally:
            for sock in idle:
                sock.close()
        assert used < 0.5, f"the JVM used {used:.2f} s of CPU in 2 s with 4 idle TLS clients"
        # Plain http on the TLS port gets no metrics: the handshake fails
        # and the connection is closed.
        with pytest.raises((ConnectionError, urllib.error.URLError)):
            urllib.request.urlopen(f"http://127.0.0.1:{jvm.port}/metrics", timeout=5).read()
        assert jvm.alive()


def test_jks_from_system_properties_and_mutual_tls(pki):
    # Only the switches in the config; the stores come from the JVM's flags.
    cfg = write_config(pki, "mtls.yaml", """
certificate:
  alias: server
mutualTLS: true
""")
    props = [f"-Djavax.net.ssl.keyStore={os.path.join(pki, 'server.jks')}",
             f"-Djavax.net.ssl.keyStorePassword={PASSWORD}",
             "-Djavax.net.ssl.keyStoreType=JKS",
             f"-Djavax.net.ssl.trustStore={os.path.join(pki, 'trust.jks')}",
             f"-Djavax.net.ssl.trustStorePassword={PASSWORD}"]
    ca = os.path.join(pki, "ca.crt")
    with harness.Jvm("ours", cfg, jvm_opts=props, name="mtls") as jvm:
        # mbedTLS ends the handshake with a fatal alert: the client sees it
        # as an SSL error or a reset, depending on timing.
        with pytest.raises(urllib.error.URLError) as e:
            https_get(jvm.port, context(ca))
        assert isinstance(e.value.reason, (ssl.SSLError, ConnectionError)), e.value
        client = (os.path.join(pki, "client.crt"), os.path.join(pki, "client.key"))
        status, body = https_get(jvm.port, context(ca, client))
        assert status == 200 and "java_lang_Memory" in body
        assert jvm.alive()


def wait_prometheus_up(api, timeout):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(api + "/api/v1/query?query=up", timeout=5) as r:
                last = json.load(r)
            res = last["data"]["result"]
            if res and res[0]["value"][1] == "1":
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"prometheus: up is not 1 after {timeout}s: {last}")


def test_pem_rotation_and_prometheus(pki, tmp_path):
    # As a Kubernetes secret mounts it: files behind a symbolic link that
    # is swapped at once.
    live = tmp_path / "secret"
    gen1, gen2 = tmp_path / "gen1", tmp_path / "gen2"
    for g, name in ((gen1, "server"), (gen2, "server2")):
        g.mkdir()
        shutil.copy(os.path.join(pki, f"{name}.crt"), g / "tls.crt")
        shutil.copy(os.path.join(pki, f"{name}.key"), g / "tls.key")
    live.symlink_to(gen1)
    cfg = write_config(str(tmp_path), "pem.yaml", f"""
pem:
  certificate:
    filename: {live}/tls.crt
  privateKey:
    filename: {live}/tls.key
""")
    ca = os.path.join(pki, "ca.crt")
    with harness.Jvm("ours", cfg, name="pem") as jvm:
        assert peer_cert(jvm.port, ca) == der_of(os.path.join(pki, "server.crt"))
        tmp_link = tmp_path / "secret.new"
        tmp_link.symlink_to(gen2)
        os.rename(tmp_link, live)
        assert peer_cert(jvm.port, ca) == der_of(os.path.join(pki, "server2.crt"))
        status, _ = https_get(jvm.port, context(ca))
        assert status == 200

        prom = shutil.which("prometheus")
        if prom is None:
            pytest.fail("prometheus is missing: .ci/deps.sh installs it")
        pdir = tmp_path / "prom"
        pdir.mkdir()
        (pdir / "prometheus.yml").write_text(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: agent
    scheme: https
    tls_config:
      ca_file: {ca}
      server_name: localhost
    static_configs:
      - targets: ["127.0.0.1:{jvm.port}"]
""")
        pport = harness.free_port()
        p = subprocess.Popen([prom, f"--config.file={pdir / 'prometheus.yml'}",
                              f"--storage.tsdb.path={pdir / 'data'}",
                              f"--web.listen-address=127.0.0.1:{pport}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            wait_prometheus_up(f"http://127.0.0.1:{pport}", 30)
        finally:
            harness.end_process(p, 10)
        assert jvm.alive()


def test_the_jar_serves_the_same_configs(pki):
    """The configs and -D flags above are jmx_exporter's: the jar serves
    them over https too (PKCS#12 from the config; JKS and mutualTLS from
    -Djavax.net.ssl.* alone)."""
    ca = os.path.join(pki, "ca.crt")
    with harness.Jvm("jar", os.path.join(pki, "p12.yaml"), name="jar-p12") as jar:
        status, body = https_get(jar.port, context(ca))
        assert status == 200 and "java_lang_Memory" in body
    props = [f"-Djavax.net.ssl.keyStore={os.path.join(pki, 'server.jks')}",
             f"-Djavax.net.ssl.keyStorePassword={PASSWORD}",
             "-Djavax.net.ssl.keyStoreType=JKS",
             f"-Djavax.net.ssl.trustStore={os.path.join(pki, 'trust.jks')}",
             f"-Djavax.net.ssl.trustStorePassword={PASSWORD}"]
    with harness.Jvm("jar", os.path.join(pki, "mtls.yaml"), jvm_opts=props, name="jar-mtls") as jar:
        client = (os.path.join(pki, "client.crt"), os.path.join(pki, "client.key"))
        status, body = https_get(jar.port, context(ca, client))
        assert status == 200 and "java_lang_Memory" in body
