package sink_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

func TestBlobPut(t *testing.T) {
	az := azuritetest.Start(t)
	ctx := context.Background()
	if err := az.Account.EnsureContainer(ctx, "hrfiles"); err != nil {
		t.Fatal(err)
	}
	s, err := sink.NewBlob(az.Account.Blob, "hrfiles", "2026-11-25")
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789"), 1_000_000) // 10 MB: three blocks
	f := sink.File{Name: "HR.csv", Size: int64(len(data)), ModTime: time.Now()}
	if err := s.Put(ctx, f, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	got, _, err := az.Account.ReadBlob(ctx, "hrfiles", "2026-11-25/HR.csv")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
	props, err := az.Account.Blob.ServiceClient().NewContainerClient("hrfiles").NewBlobClient("2026-11-25/HR.csv").GetProperties(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	if !bytes.Equal(props.ContentMD5, sum[:]) {
		t.Errorf("Content-MD5 %x, want %x", props.ContentMD5, sum)
	}

	// A stream cut midway leaves no blob behind.
	cut := &failingReader{data: data[:5_000_000], err: io.ErrUnexpectedEOF}
	if err := s.Put(ctx, sink.File{Name: "cut.csv", Size: int64(len(data))}, cut); err == nil {
		t.Fatal("Put of a cut stream succeeded")
	}
	if _, _, err := az.Account.ReadBlob(ctx, "hrfiles", "2026-11-25/cut.csv"); err == nil {
		t.Fatal("a cut stream left a blob")
	}
	// As does a short one.
	if err := s.Put(ctx, sink.File{Name: "short.csv", Size: 11}, bytes.NewReader([]byte("0123456789"))); !errors.Is(err, sink.ErrSizeMismatch) {
		t.Fatalf("got %v", err)
	}
	if _, _, err := az.Account.ReadBlob(ctx, "hrfiles", "2026-11-25/short.csv"); err == nil {
		t.Fatal("a short stream left a blob")
	}
}

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
	// A stream longer than listed is refused and leaves nothing.
	if err := s.Put(ctx, sink.File{Name: "long.csv", Size: 3}, bytes.NewReader([]byte("abcd"))); !errors.Is(err, sink.ErrSizeMismatch) {
		t.Fatalf("longer stream: got %v", err)
	}
	if _, _, err := az.Account.ReadBlob(ctx, "sizes", "long.csv"); err == nil {
		t.Fatal("a longer stream left a blob")
	}
}
