package mimconfigbackup

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/remoteps"
)

// The off-site copy streams the zip from the server into staged blocks: it
// holds at most offsiteConcurrency blocks of offsiteBlockSize, whatever the
// size of the zip.
const (
	offsiteBlockSize   = 2 << 20
	offsiteConcurrency = 2
)

// copyOffsite streams the zip the script made of the backup into the
// container as <server>/<folder>.zip, checks the stored blob, and only then
// removes the zip from the server, so a copy survives the loss of the
// server. A zip that could not be copied stays on the server until the next
// run, which removes it.
func copyOffsite(ctx context.Context, inv *function.Invocation, client *remoteps.Client, opts options, s *summary) error {
	if s.ZipError != "" {
		return fmt.Errorf("off-site copy: zipping the backup failed: %s", s.ZipError)
	}
	if s.Zip == "" {
		return fmt.Errorf("off-site copy: the script made no zip")
	}
	account, err := clients.Storage(inv.Env)
	if err != nil {
		return fmt.Errorf("off-site copy: %w (the zip stays on the server at %s until the next run)", err, s.Zip)
	}
	if err := account.EnsureContainer(ctx, opts.container); err != nil {
		return fmt.Errorf("off-site copy: %w (the zip stays on the server at %s until the next run)", err, s.Zip)
	}
	name := opts.winrm.Host + "/" + s.Folder + ".zip"
	stored, err := streamToBlob(ctx, client, s.Zip, account.Blob, opts.container, name)
	if err != nil {
		return fmt.Errorf("off-site copy to %s/%s: %w (the zip stays on the server at %s until the next run)", opts.container, name, err, s.Zip)
	}
	inv.Figure("offsiteBlob", opts.container+"/"+name)
	inv.Log.Info("MimConfigBackup: zipped copy stored and verified", "container", opts.container, "blob", name,
		"bytes", stored.Size, "sha256", stored.SHA256)
	if _, err := client.Run(ctx, removeZipScript, removeZipParams{Root: opts.root, Zip: s.Zip}); err != nil {
		return fmt.Errorf("off-site copy: stored and verified as %s/%s, but removing %s from the server failed (the next run removes it): %w",
			opts.container, name, s.Zip, err)
	}
	return nil
}

// removeZipParams are removezip.ps1's parameters.
type removeZipParams struct {
	Root string `json:"root"`
	Zip  string `json:"zip"`
}

// errUploadStopped ends the download when the upload has failed.
var errUploadStopped = errors.New("the upload stopped")

// streamToBlob downloads remotePath through a pipe into a block upload,
// hashing on the way. The upload reads the end of the stream only once the
// download has been checked against the server's size and SHA-256, so a
// damaged or broken download never commits a blob. The committed blob is
// then given its Content-MD5 and a sha256 metadata entry, and its
// properties are read back and compared with what was downloaded.
func streamToBlob(ctx context.Context, client *remoteps.Client, remotePath string, blobs *azblob.Client, container, name string) (remoteps.DownloadResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	sha, sum := sha256.New(), md5.New()
	type downloaded struct {
		res remoteps.DownloadResult
		err error
	}
	done := make(chan downloaded, 1)
	go func() {
		res, err := client.Download(ctx, remotePath, &hashingWriter{w: pw, hashes: []hash.Hash{sha, sum}}, remoteps.DownloadOptions{})
		_ = pw.CloseWithError(err) // nil: the upload reads EOF
		done <- downloaded{res, err}
	}()
	up, upErr := blobs.UploadStream(ctx, container, name, pr, &azblob.UploadStreamOptions{
		BlockSize: offsiteBlockSize, Concurrency: offsiteConcurrency,
		TransactionalValidation: blob.TransferValidationTypeComputeCRC64(),
		HTTPHeaders:             &blob.HTTPHeaders{BlobContentType: ptr("application/zip")},
	})
	if upErr != nil {
		_ = pr.CloseWithError(errUploadStopped)
		cancel()
	}
	d := <-done
	switch {
	case upErr != nil && (d.err == nil || !errors.Is(upErr, d.err)): // not the download's own failure, passed on
		return remoteps.DownloadResult{}, fmt.Errorf("upload: %w", upErr)
	case d.err != nil:
		return remoteps.DownloadResult{}, fmt.Errorf("download: %w", d.err)
	}
	if got := hex.EncodeToString(sha.Sum(nil)); !strings.EqualFold(got, d.res.SHA256) {
		return remoteps.DownloadResult{}, fmt.Errorf("the upload read SHA-256 %s, the download verified %s", got, d.res.SHA256)
	}
	bb := blobs.ServiceClient().NewContainerClient(container).NewBlockBlobClient(name)
	if err := verifyBlob(ctx, bb, up.ETag, d.res, sum.Sum(nil)); err != nil {
		return remoteps.DownloadResult{}, fmt.Errorf("verify: %w", err)
	}
	return d.res, nil
}

// verifyBlob stamps the blob just committed (etag) with its Content-MD5 and
// sha256 metadata, then reads its properties back: the size, Content-MD5
// and SHA-256 must be those of the download, and nobody may have written the
// blob in between.
func verifyBlob(ctx context.Context, bb *blockblob.Client, etag *azcore.ETag, want remoteps.DownloadResult, md5sum []byte) error {
	md, err := bb.SetMetadata(ctx, map[string]*string{"sha256": ptr(strings.ToLower(want.SHA256))},
		&blob.SetMetadataOptions{AccessConditions: ifMatch(etag)})
	if err != nil {
		return fmt.Errorf("set metadata: %w", err)
	}
	hd, err := bb.SetHTTPHeaders(ctx, blob.HTTPHeaders{BlobContentType: ptr("application/zip"), BlobContentMD5: md5sum},
		&blob.SetHTTPHeadersOptions{AccessConditions: ifMatch(md.ETag)})
	if err != nil {
		return fmt.Errorf("set Content-MD5: %w", err)
	}
	props, err := bb.GetProperties(ctx, &blob.GetPropertiesOptions{AccessConditions: ifMatch(hd.ETag)})
	if err != nil {
		return fmt.Errorf("read back properties: %w", err)
	}
	var problems []string
	if props.ContentLength == nil || *props.ContentLength != want.Size {
		problems = append(problems, fmt.Sprintf("size %s, want %d", deref(props.ContentLength), want.Size))
	}
	if hex.EncodeToString(props.ContentMD5) != hex.EncodeToString(md5sum) {
		problems = append(problems, fmt.Sprintf("Content-MD5 %x, want %x", props.ContentMD5, md5sum))
	}
	if got := metadata(props.Metadata, "sha256"); !strings.EqualFold(got, want.SHA256) {
		problems = append(problems, fmt.Sprintf("sha256 %q, want %s", got, want.SHA256))
	}
	if len(problems) > 0 {
		return fmt.Errorf("the stored blob does not match the download: %s", strings.Join(problems, "; "))
	}
	return nil
}

// hashingWriter writes to w, then hashes what w accepted.
type hashingWriter struct {
	w      io.Writer
	hashes []hash.Hash
}

// Write implements io.Writer.
func (h *hashingWriter) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	for _, s := range h.hashes {
		s.Write(p[:n])
	}
	return n, err
}

func ifMatch(etag *azcore.ETag) *blob.AccessConditions {
	return &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: etag}}
}

// metadata looks a key up as the service returns it (the SDK may change
// its case).
func metadata(m map[string]*string, key string) string {
	for k, v := range m {
		if strings.EqualFold(k, key) && v != nil {
			return *v
		}
	}
	return ""
}

func ptr[T any](v T) *T { return &v }

func deref(n *int64) string {
	if n == nil {
		return "unknown"
	}
	return fmt.Sprint(*n)
}
