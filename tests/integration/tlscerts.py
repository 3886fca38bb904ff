"""Test certificates made with the openssl command: a root CA, an
intermediate CA, and leaves signed by the intermediate, so a test can check
that keel serves the chain and that a client trusting only the root
verifies it. Nothing here is copied from elsewhere; every key is fresh."""

import subprocess
from pathlib import Path


def _run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


class Pki:
    def __init__(self, directory):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        d = self.dir
        (d / "ca.ext").write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
        _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             "root.key", "-out", "root.pem", "-days", "30", "-subj", "/CN=keel test root", cwd=d)
        _run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "inter.key",
             "-out", "inter.csr", "-subj", "/CN=keel test intermediate", cwd=d)
        _run("x509", "-req", "-in", "inter.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
             "-out", "inter.pem", "-days", "30", "-extfile", "ca.ext", cwd=d)
        self.root = d / "root.pem"
        self.serial = 0

    def leaf(self, name, *alt_names, rsa=False, days=30, ocsp_url=None):
        """Makes NAME.pem (leaf then intermediate) and NAME.key; returns
        (chain path, key path)."""
        self.serial += 1
        d = self.dir
        stem = f"{name}-{self.serial}"
        sans = ",".join(f"DNS:{n}" for n in (name, *alt_names))
        ext = f"subjectAltName={sans}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
        if ocsp_url:
            ext += f"authorityInfoAccess=OCSP;URI:{ocsp_url}\n"
        (d / f"{stem}.ext").write_text(ext)
        keyopt = ["-newkey", "rsa:2048"] if rsa else ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        _run("req", *keyopt, "-nodes", "-keyout", f"{stem}.key", "-out", f"{stem}.csr", "-subj", f"/CN={name}",
             cwd=d)
        _run("x509", "-req", "-in", f"{stem}.csr", "-CA", "inter.pem", "-CAkey", "inter.key", "-CAcreateserial",
             "-out", f"{stem}.leaf", "-days", str(days), "-extfile", f"{stem}.ext", cwd=d)
        chain = d / f"{stem}.pem"
        chain.write_bytes((d / f"{stem}.leaf").read_bytes() + (d / "inter.pem").read_bytes())
        return chain, d / f"{stem}.key"


def ocsp_index_line(chain):
    """The line of `openssl ocsp`'s index file (an openssl ca database)
    that says the leaf of chain is valid."""
    def field(flag):
        out = subprocess.run(["openssl", "x509", "-in", str(chain), "-noout", flag], check=True, capture_output=True,
                             text=True).stdout.strip()
        return out.split("=", 1)[1]

    import datetime

    end = datetime.datetime.strptime(field("-enddate"), "%b %d %H:%M:%S %Y %Z")
    return f"V\t{end.strftime('%y%m%d%H%M%SZ')}\t\t{field('-serial')}\tunknown\t/CN=localhost\n"
