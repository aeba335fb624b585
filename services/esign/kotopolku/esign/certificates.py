"""The municipalities' signing certificates, and a dev chain for local use and tests.

Each municipality signs with its own certificate (an organisation's certificate for electronic
seals in production, issued by a qualified trust service provider and kept in a Secret or an
HSM). On disk, under the signing directory::

    trust-roots.pem             the root certificates verification trusts
    <kuntanumero>-key.pem       the municipality's private key (PKCS#8, unencrypted; mode 600)
    <kuntanumero>-certificate.pem
    <kuntanumero>-chain.pem     intermediate and root certificates, for the signature's chain

(flat, so that one Kubernetes Secret mounted as a directory holds them all).

``kotopolku-esign dev-certificates`` makes a throwaway root CA and one certificate per
municipality with ``cryptography`` (``make up`` and the test stack run it; nothing of it is
committed).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from kotopolku.esign.rendering.document import MUNICIPALITIES

TRUST_ROOTS: Final = "trust-roots.pem"
KEY: Final = "key.pem"
CERTIFICATE: Final = "certificate.pem"
CHAIN: Final = "chain.pem"


def _file(directory: Path, municipality: str, kind: str) -> Path:
    return directory / f"{municipality}-{kind}"


_CA_DIRECTORY: Final = "dev-ca"
_DEV_VALIDITY: Final = timedelta(days=825)


class MissingCertificate(Exception):
    """The municipality has no signing certificate here."""


def _pem_certificates(path: Path) -> list[asn1_x509.Certificate]:
    certificates = x509.load_pem_x509_certificates(path.read_bytes())
    return [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certificates
    ]


class SigningCertificates:
    """Reads the signing directory; a municipality's signer is loaded once, when first used."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        path = self.directory / TRUST_ROOTS
        return _pem_certificates(path) if path.is_file() else []

    def has_signer(self, municipality: str) -> bool:
        return municipality.isdigit() and all(
            _file(self.directory, municipality, kind).is_file() for kind in (KEY, CERTIFICATE)
        )

    def signer(self, municipality: str) -> SimpleSigner:
        if not self.has_signer(municipality):
            raise MissingCertificate(f"no signing certificate for municipality {municipality}")
        return self._load(municipality)

    @functools.cache  # noqa: B019 - one instance per process; certificates do not change
    def _load(self, municipality: str) -> SimpleSigner:
        key = serialization.load_pem_private_key(
            _file(self.directory, municipality, KEY).read_bytes(), password=None
        )
        key_info = asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        chain_file = _file(self.directory, municipality, CHAIN)
        chain = _pem_certificates(chain_file) if chain_file.is_file() else []
        return SimpleSigner(
            signing_cert=_pem_certificates(_file(self.directory, municipality, CERTIFICATE))[0],
            signing_key=key_info,
            cert_registry=SimpleCertificateStore.from_certs(chain),
        )


# --- the dev chain -----------------------------------------------------------------------------


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FI"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def _write_private(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _root(directory: Path, now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key_path = directory / _CA_DIRECTORY / "root-key.pem"
    certificate_path = directory / _CA_DIRECTORY / "root.pem"
    if key_path.is_file() and certificate_path.is_file():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return x509.load_pem_x509_certificate(certificate_path.read_bytes()), key
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("Kotopolku development root CA", "Kotopolku development")
    root = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, key)
    certificate_path.write_bytes(_pem(root))
    (directory / TRUST_ROOTS).write_bytes(_pem(root))
    return root, key


def _municipality_certificate(
    directory: Path,
    municipality: str,
    root: x509.Certificate,
    root_key: ec.EllipticCurvePrivateKey,
    now: datetime,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    names = MUNICIPALITIES.get(municipality)
    organisation = f"{names[0]} ({municipality})" if names else f"Municipality {municipality}"
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{organisation} e-signature (development)", organisation))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + _DEV_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    _write_private(_file(directory, municipality, KEY), key)
    _file(directory, municipality, CERTIFICATE).write_bytes(_pem(certificate))
    _file(directory, municipality, CHAIN).write_bytes(_pem(root))


def generate_dev_certificates(
    directory: Path, municipalities: Iterable[str], now: datetime | None = None
) -> list[str]:
    """Makes the dev root CA (once) and a certificate for each municipality that lacks one;
    returns the municipalities that got a new certificate."""
    moment = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    root, root_key = _root(directory, moment)
    made = []
    for municipality in municipalities:
        if not municipality.isdigit():
            raise ValueError(f"{municipality!r} is not a municipality code (kuntanumero)")
        if not SigningCertificates(directory).has_signer(municipality):
            _municipality_certificate(directory, municipality, root, root_key, moment)
            made.append(municipality)
    return made
