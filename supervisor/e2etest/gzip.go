package e2etest

import (
	"bytes"
	"compress/gzip"
)

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	_, _ = w.Write(b)
	_ = w.Close()
	return out.Bytes()
}

func doubleGzip(b []byte) []byte { return gz(gz(b)) }
