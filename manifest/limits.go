package manifest

import (
	"fmt"
	"io"
	"os"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// Limits the API server applies, so that offline grading refuses what a
// real cluster refuses, and so that a huge file fails at once instead of
// being parsed.
const (
	// MaxFileSize is the largest manifest file read: the API server
	// refuses any request body over 3 MiB.
	MaxFileSize = 3 << 20
	// MaxRequestBytes is the API server's request body limit.
	MaxRequestBytes = 3 << 20
	// MaxObjectBytes is etcd's request limit (1.5 MiB) as kind and
	// kubeadm configure it: a bigger object is refused when stored.
	MaxObjectBytes = 3 << 19
	// MaxAnnotationBytes is the total size of an object's annotations
	// (keys and values).
	MaxAnnotationBytes = 256 << 10
	// MaxConfigMapBytes is the total size of a ConfigMap's or Secret's
	// data and binaryData (keys and values).
	MaxConfigMapBytes = 1 << 20
)

// fileTooBig is the error for a file over MaxFileSize.
func fileTooBig(file string) *Error {
	return &Error{File: file, Msg: fmt.Sprintf("file is larger than %d MiB, the most ckadlab reads", MaxFileSize>>20),
		Hint: fmt.Sprintf("the API server refuses any request over %d bytes", MaxRequestBytes)}
}

// readManifestFile reads a regular file (or a link to one) of at most
// MaxFileSize bytes. It reports false for anything else (a named pipe, a
// device, a socket), which LoadDir skips: reading one could block for ever
// or never end.
func readManifestFile(p string) ([]byte, bool, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, false, err
	}
	if !info.Mode().IsRegular() {
		return nil, false, nil
	}
	// O_NONBLOCK: should the file have become a named pipe since, opening
	// it does not wait for a writer; fstat then says what was opened.
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, false, err
	}
	if !info.Mode().IsRegular() {
		return nil, false, nil
	}
	if info.Size() > MaxFileSize {
		return nil, true, fileTooBig(p)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, true, err
	}
	if len(data) > MaxFileSize {
		return nil, true, fileTooBig(p) // it grew while read
	}
	return data, true, nil
}

// limitError checks a decoded object against the API server's size
// limits, in the order it applies them, and returns the field and the
// message it would give; "" when the object is within them. raw is the
// object's JSON.
func limitError(raw []byte, obj runtime.Object, kind, name string) (field, msg string) {
	if len(raw) > MaxRequestBytes {
		return "", fmt.Sprintf("Request entity too large: limit is %d", MaxRequestBytes)
	}
	if m, err := meta.Accessor(obj); err == nil {
		total := 0
		for k, v := range m.GetAnnotations() {
			total += len(k) + len(v)
		}
		if total > MaxAnnotationBytes {
			return "metadata.annotations", fmt.Sprintf("%s %q is invalid: metadata.annotations: Too long: may not be more than %d bytes", kind, name, MaxAnnotationBytes)
		}
	}
	data := -1
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		data = 0
		for k, v := range o.Data {
			data += len(k) + len(v)
		}
		for k, v := range o.BinaryData {
			data += len(k) + len(v)
		}
	case *corev1.Secret:
		data = 0
		for k, v := range o.Data {
			data += len(k) + len(v)
		}
		for k, v := range o.StringData {
			data += len(k) + len(v)
		}
	}
	if data > MaxConfigMapBytes {
		return "data", fmt.Sprintf("%s %q is invalid: []: Too long: may not be more than %d bytes", kind, name, MaxConfigMapBytes)
	}
	if len(raw) > MaxObjectBytes {
		return "", "etcdserver: request is too large"
	}
	return "", ""
}

// ReadFile reads one manifest file named on the command line with
// LoadDir's rules: a regular file (or a link to one) of at most
// MaxFileSize bytes; a named pipe, device or socket is an error (reading
// it could block for ever or never end).
func ReadFile(p string) ([]byte, error) {
	data, regular, err := readManifestFile(p)
	if err != nil {
		return nil, err
	}
	if !regular {
		return nil, &Error{File: p, Msg: "not a regular file", Hint: "give a manifest file or a folder of them"}
	}
	return data, nil
}
