package sink_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"testing"

	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// A block blob of several blocks keeps the MD5 of its whole content as its
// Content-MD5; the rest of the Sink contract is in the shared suite.
func TestBlobPutSizesAndContentMD5(t *testing.T) {
	az := azuritetest.Start(t)
	ctx := context.Background()
	if err := az.Account.EnsureContainer(ctx, "sizes"); err != nil {
		t.Fatal(err)
	}
	s, err := sink.NewBlob(az.Account.Blob, "sizes", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{0, 1, 4 << 20, 4<<20 + 1} {
		data := bytes.Repeat([]byte{'x'}, size)
		name := fmt.Sprintf("f%d.csv", size)
		if err := s.Put(ctx, sink.File{Name: name, Size: int64(size)}, bytes.NewReader(data)); err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		props, err := az.Account.Blob.ServiceClient().NewContainerClient("sizes").NewBlobClient(name).GetProperties(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum(data)
		if props.ContentLength == nil || *props.ContentLength != int64(size) || !bytes.Equal(props.ContentMD5, sum[:]) {
			t.Errorf("%d bytes: length %v, Content-MD5 %x, want %x", size, props.ContentLength, props.ContentMD5, sum)
		}
	}
}
