package netmodel

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// rfTLSSecret makes a kubernetes.io/tls Secret with a self-signed
// certificate for cn and the DNS names.
func rfTLSSecret(t testing.TB, ns, name, cn string, dns ...string) corev1.Secret {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, DNSNames: dns,
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<33, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: corev1.SecretTypeTLS, Data: map[string][]byte{
		corev1.TLSCertKey:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		corev1.TLSPrivateKeyKey: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}),
	}}
}

// TestIngressTLSCertificate (measurements §8): Traefik presents the
// certificate whose names cover the SNI, from the pool of every served
// Ingress's spec.tls Secrets; spec.tls hosts do not choose it.
func TestIngressTLSCertificate(t *testing.T) {
	tlsOf := func(ing *networkingv1.Ingress, secret string, hosts ...string) {
		ing.Spec.TLS = append(ing.Spec.TLS, networkingv1.IngressTLS{Hosts: hosts, SecretName: secret})
	}
	build := func(t testing.TB) *rf {
		c := rfNginxCluster(t)
		c.o.Secrets = []corev1.Secret{
			rfTLSSecret(t, "m", "tls-test", "tls.test", "tls.test"),
			rfTLSSecret(t, "m", "wild", "*.w.test", "*.w.test"),
			rfTLSSecret(t, "m", "cn-only", "cn.test"),
			{ObjectMeta: metav1.ObjectMeta{Namespace: "m", Name: "opaque"}, Data: map[string][]byte{"password": []byte("x")}},
		}
		tlsOf(c.nginxIngress("tls1", nil, rfRule("tls.test", rfPath(rfPrefix, "/a", "a", 80))), "tls-test", "tls.test")
		c.nginxIngress("tls2", nil, rfRule("plain.test", rfPath(rfPrefix, "/", "c", 80)))
		tlsOf(c.nginxIngress("tls3", nil, rfRule("nosecret.test", rfPath(rfPrefix, "/", "d", 80))), "does-not-exist", "nosecret.test")
		tlsOf(c.nginxIngress("tls4", map[string]string{nginxSSLRedirect: "false"}, rfRule("noredirect.test", rfPath(rfPrefix, "/", "d", 80))), "tls-test", "noredirect.test")
		tlsOf(c.nginxIngress("wild", nil, rfRule("a.w.test", rfPath(rfPrefix, "/", "a", 80))), "wild")
		tlsOf(c.nginxIngress("cn", nil, rfRule("cn.test", rfPath(rfPrefix, "/", "a", 80))), "cn-only")
		tlsOf(c.nginxIngress("opaque", nil, rfRule("opaque.test", rfPath(rfPrefix, "/", "a", 80))), "opaque")
		return c
	}
	https := &probe.HTTPExpect{HTTPS: true, CertHost: true}
	runRFCases(t, []rfCase{
		{name: "the Secret's certificate", build: build, from: "external", to: "ingress:tls.test/a", http: https,
			allowed: true, outcome: probe.Connected, backend: "m/a-1", service: "m/a", status: 200,
			reasons: []string{"for SNI tls.test Traefik presents the certificate of Secret m/tls-test (names tls.test), valid for tls.test"}},
		{name: "no certificate for the host: the default one", build: build, from: "external", to: "ingress:plain.test/", http: https,
			allowed: false, outcome: probe.HTTPError, backend: "m/c-1", service: "m/c", status: 200,
			summary: "HTTPS check failed: for plain.test Traefik presents Traefik's self-signed default certificate (CN TRAEFIK DEFAULT CERT), which is not valid for that host."},
		{name: "missing Secret", build: build, from: "external", to: "ingress:nosecret.test/", http: https,
			allowed: false, outcome: probe.HTTPError, backend: "m/d-1", service: "m/d", status: 200,
			reasons: []string{"Ingress m/tls3 names Secret m/does-not-exist in spec.tls, which does not exist"}},
		{name: "tls hosts do not choose the certificate", build: build, from: "external", to: "ingress:noredirect.test/", http: https,
			allowed: false, outcome: probe.HTTPError, backend: "m/d-1", service: "m/d", status: 200,
			reasons: []string{"spec.tls hosts do not choose the certificate, its names do"}},
		{name: "the pool is global", from: "external", to: "ingress:tls.test/zzz", http: https,
			build: func(t testing.TB) *rf {
				c := build(t)
				c.o.Ingresses = c.o.Ingresses[1:] // tls1 gone; tls4 still loads Secret m/tls-test
				return c
			},
			allowed: true, outcome: probe.Connected, status: 404, reasons: []string{"Secret m/tls-test (names tls.test), valid for tls.test"}},
		{name: "wildcard certificate", build: build, from: "external", to: "ingress:a.w.test/", http: https,
			allowed: true, outcome: probe.Connected, backend: "m/a-1", service: "m/a", status: 200, reasons: []string{"Secret m/wild (names *.w.test), valid for a.w.test"}},
		{name: "common name only: chosen, but not valid", build: build, from: "external", to: "ingress:cn.test/", http: https,
			allowed: false, outcome: probe.HTTPError, backend: "m/a-1", service: "m/a", status: 200, reasons: []string{"a browser checks the DNS names only"}},
		{name: "Secret without a key pair", build: build, from: "external", to: "ingress:opaque.test/", http: https,
			allowed: false, outcome: probe.HTTPError, backend: "m/a-1", service: "m/a", status: 200, reasons: []string{"Secret m/opaque (spec.tls of Ingress m/opaque) has no tls.crt and tls.key"}},
		{name: "without the expectation the certificate is only reported", build: build, from: "external", to: "ingress:plain.test/", http: &probe.HTTPExpect{HTTPS: true},
			allowed: true, outcome: probe.Connected, backend: "m/c-1", service: "m/c", status: 200, reasons: []string{"Traefik's self-signed default certificate"}},
		{name: "no Secrets given: ungradable", from: "external", to: "ingress:tls.test/a", http: https,
			build: func(t testing.TB) *rf {
				c := build(t)
				c.o.Secrets = nil
				return c
			},
			allowed: true, outcome: probe.Connected, backend: "m/a-1", service: "m/a", status: 200, ungradable: "the model was given no Secrets"},
		{name: "plain HTTP: redirect, no certificate", build: build, from: "external", to: "ingress:tls.test/a",
			allowed: true, outcome: probe.Connected, status: 308, notReasons: []string{"for SNI"}},
	})
	if !strings.Contains(servedCert{}.describe(), "TRAEFIK DEFAULT CERT") {
		t.Error("default certificate not named")
	}
}
