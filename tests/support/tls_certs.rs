//! Certificates and keys for the TLS tests, made by the tests themselves (rcgen, ECDSA
//! P-256) in a fresh folder: nothing that looks like a real key is checked in.
//!
//! - `ca.pem`: the test authority; `server.pem` / `server.key`: localhost, 127.0.0.1 and
//!   ::1, issued by it; `client.pem` / `client.key`: "CN=sockit test client", issued by it;
//! - `expired.*`, `future.*` (not valid yet), `wrong_name.*` (example.org only), `ip_only.*`
//!   (127.0.0.1 only), `self_signed.*` (localhost, issued by itself);
//! - `other_ca.pem` and `other_server.*`, `other_client.*`: another authority and what it
//!   issued (localhost; a client).

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use time::{Duration, OffsetDateTime};

pub struct Pki {
    dir: PathBuf,
    ca: Option<Authority>,
}

struct Authority {
    issuer: Issuer<'static, KeyPair>,
}

fn authority(name: &str) -> (Authority, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.self_signed(&key).unwrap();
    (
        Authority {
            issuer: Issuer::new(params, key),
        },
        cert.pem(),
    )
}

/// Parameters for a leaf certificate: its names, subject, purpose and validity (days from
/// now).
fn leaf(names: &[&str], common_name: &str, client: bool, days: (i64, i64)) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "sockit tests");
    params.extended_key_usages = vec![if client {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    let now = OffsetDateTime::now_utc();
    params.not_before = now + Duration::days(days.0);
    params.not_after = now + Duration::days(days.1);
    params
}

impl Pki {
    /// A fresh set in a folder named after `test`.
    pub fn new(test: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("sockit-tls-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let mut pki = Pki { dir, ca: None };
        let (ca, ca_pem) = authority("sockit test CA");
        let (other, other_pem) = authority("another test CA");
        pki.write("ca.pem", &ca_pem);
        pki.write("other_ca.pem", &other_pem);
        let localhost = ["localhost", "127.0.0.1", "::1"];
        let valid = (-1, 30);
        pki.issue("server", &ca, leaf(&localhost, "localhost", false, valid));
        pki.issue("client", &ca, leaf(&[], "sockit test client", true, valid));
        pki.issue(
            "expired",
            &ca,
            leaf(&localhost, "localhost", false, (-30, -1)),
        );
        pki.issue(
            "future",
            &ca,
            leaf(&localhost, "localhost", false, (10, 40)),
        );
        pki.issue(
            "wrong_name",
            &ca,
            leaf(&["example.org"], "example.org", false, valid),
        );
        pki.issue(
            "ip_only",
            &ca,
            leaf(&["127.0.0.1"], "127.0.0.1", false, valid),
        );
        pki.issue(
            "other_server",
            &other,
            leaf(&localhost, "localhost", false, valid),
        );
        pki.issue("other_client", &other, leaf(&[], "stranger", true, valid));
        let key = KeyPair::generate().unwrap();
        let cert = leaf(&localhost, "localhost", false, valid)
            .self_signed(&key)
            .unwrap();
        pki.write("self_signed.pem", &cert.pem());
        pki.write("self_signed.key", &key.serialize_pem());
        pki.ca = Some(ca);
        pki
    }

    /// A certificate for localhost, 127.0.0.1 and ::1, issued by the test authority for the
    /// key of the PEM file `key` (RSA keys come from `openssl genpkey`: ring makes none),
    /// written to `name`.
    pub fn issue_for_key(&self, name: &str, key: &str) {
        let pem = fs::read_to_string(self.path(key)).unwrap();
        let key = KeyPair::from_pem(&pem).unwrap();
        let params = leaf(
            &["localhost", "127.0.0.1", "::1"],
            "localhost",
            false,
            (-1, 30),
        );
        let cert = params
            .signed_by(&key, &self.ca.as_ref().unwrap().issuer)
            .unwrap();
        self.write(name, &cert.pem());
    }

    fn issue(&self, name: &str, by: &Authority, params: CertificateParams) {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &by.issuer).unwrap();
        self.write(&format!("{name}.pem"), &cert.pem());
        self.write(&format!("{name}.key"), &key.serialize_pem());
    }

    pub fn write(&self, name: &str, text: &str) {
        fs::write(self.dir.join(name), text).unwrap();
    }

    /// A file of the set, as a path.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// A file of the set, as text for a command line.
    pub fn arg(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}
