package sink

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/tenantops/tenantops/internal/remotename"
)

// blockSize is the size of one staged block, and so the memory one upload
// holds.
const blockSize = 4 << 20

// Blob uploads into a blob container as block blobs named
// subfolder/name. Blocks are staged with their MD5 checked by the service;
// the blob appears only when the block list is committed, with the MD5 of
// the whole content as its Content-MD5.
type Blob struct {
	client    *azblob.Client
	container string
	prefix    string // "subfolder/" or ""
}

// NewBlob returns a Blob sink writing into container, which must exist.
func NewBlob(client *azblob.Client, container, subfolder string) (*Blob, error) {
	if container == "" {
		return nil, fmt.Errorf("sink: blob: no container")
	}
	if err := remotename.CheckPath(subfolder); err != nil {
		return nil, fmt.Errorf("sink: blob: subfolder: %w", err)
	}
	prefix := path.Join(remotename.Segments(subfolder)...)
	if prefix != "" {
		prefix += "/"
	}
	return &Blob{client: client, container: container, prefix: prefix}, nil
}

// Kind implements Sink.
func (b *Blob) Kind() string { return KindBlob }

// Where implements Sink.
func (b *Blob) Where(name string) string { return b.container + "/" + b.prefix + name }

// Put implements Sink.
func (b *Blob) Put(ctx context.Context, f File, r io.Reader) error {
	if err := remotename.Check(f.Name); err != nil {
		return fmt.Errorf("sink: blob: %w", err)
	}
	name := b.prefix + f.Name
	bb := b.client.ServiceClient().NewContainerClient(b.container).NewBlockBlobClient(name)
	ids, sum, n, err := stageBlocks(ctx, bb, newExactReader(r, f.Size))
	if err != nil {
		return fmt.Errorf("sink: blob: %s: %w", name, err)
	}
	if n != f.Size {
		return fmt.Errorf("sink: blob: %s: %w: read %d, want %d", name, ErrSizeMismatch, n, f.Size)
	}
	opts := &blockblob.CommitBlockListOptions{HTTPHeaders: &blob.HTTPHeaders{BlobContentMD5: sum}}
	if !f.ModTime.IsZero() {
		mtime := f.ModTime.UTC().Format(time.RFC3339)
		opts.Metadata = map[string]*string{"sourcemodified": &mtime}
	}
	if _, err := bb.CommitBlockList(ctx, ids, opts); err != nil {
		return fmt.Errorf("sink: blob: %s: commit: %w", name, err)
	}
	return verifyBlob(ctx, bb, name, n, sum)
}

// stageBlocks uploads r in blocks and returns their ids, the MD5 of all of
// r and its length.
func stageBlocks(ctx context.Context, bb *blockblob.Client, r io.Reader) ([]string, []byte, int64, error) {
	var upload [8]byte
	_, _ = rand.Read(upload[:])
	whole := md5.New()
	buf := make([]byte, blockSize)
	var ids []string
	var total int64
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			block := buf[:n]
			whole.Write(block)
			blockSum := md5.Sum(block)
			id := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%s-%08d", hex.EncodeToString(upload[:]), len(ids))))
			_, serr := bb.StageBlock(ctx, id, streaming.NopCloser(bytes.NewReader(block)),
				&blockblob.StageBlockOptions{TransactionalValidation: blob.TransferValidationTypeMD5(blockSum[:])})
			if serr != nil {
				return nil, nil, total, fmt.Errorf("stage block %d: %w", len(ids), serr)
			}
			ids = append(ids, id)
			total += int64(n)
		}
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return ids, whole.Sum(nil), total, nil
		case err != nil:
			return nil, nil, total, err
		}
	}
}

// verifyBlob reads back the committed blob's length and Content-MD5.
func verifyBlob(ctx context.Context, bb *blockblob.Client, name string, size int64, sum []byte) error {
	props, err := bb.GetProperties(ctx, nil)
	if err != nil {
		return fmt.Errorf("sink: blob: %s: verify: %w", name, err)
	}
	if props.ContentLength == nil || *props.ContentLength != size {
		return fmt.Errorf("sink: blob: %s: verify: %w", name, ErrSizeMismatch)
	}
	if !bytes.Equal(props.ContentMD5, sum) {
		return fmt.Errorf("sink: blob: %s: verify: stored Content-MD5 differs", name)
	}
	return nil
}
