package mimconfigbackup

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
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

// The catch-up of leftover zips, the zips earlier runs could not copy
// off-site: a run delivers at most catchUpMax of them, oldest first, and
// starts none with less than catchUpMinLeft before the run deadline. The
// rest wait on the server for the next run.
var (
	catchUpMax     = 4
	catchUpMinLeft = 3 * time.Minute
)

// offsite makes the night's off-site copy, then delivers the zips earlier
// runs left on the server, and returns what failed. A night whose own
// upload failed leaves the leftovers for the next run: the storage account
// is most likely what failed.
func offsite(ctx context.Context, inv *function.Invocation, client *remoteps.Client, opts options, s *summary) []error {
	var problems []error
	inv.Figure("offsiteCatchUp", 0)
	if s.manifest.Partial {
		leaveLeftovers(inv, s.Leftovers, "the run deadline came near")
		return nil
	}
	switch {
	case s.ZipError != "":
		problems = append(problems, fmt.Errorf("off-site copy: zipping the backup failed: %s", s.ZipError))
	case s.Zip == "":
		problems = append(problems, fmt.Errorf("off-site copy: the script made no zip"))
	}
	account, err := clients.BackupStorage(inv.Env)
	if err == nil {
		err = account.EnsureContainer(ctx, opts.container)
	}
	if err != nil {
		if s.Zip != "" {
			err = fmt.Errorf("%w (the zip stays on the server at %s until the next run)", err, s.Zip)
		}
		leaveLeftovers(inv, s.Leftovers, "the storage account could not be reached")
		return append(problems, fmt.Errorf("off-site copy: %w", err))
	}
	if s.Zip != "" {
		if err := copyOffsite(ctx, inv, client, account.Blob, opts, s); err != nil {
			problems = append(problems, err)
			if !errors.Is(err, errZipNotRemoved) {
				leaveLeftovers(inv, s.Leftovers, "this night's copy failed")
				return problems
			}
		}
	}
	return append(problems, catchUp(ctx, inv, client, account.Blob, opts, s.Leftovers)...)
}

// errZipNotRemoved marks an off-site copy that was stored and verified but
// whose zip could not be removed from the server.
var errZipNotRemoved = errors.New("removing the zip from the server failed")

// copyOffsite streams the zip the script made of the backup into the
// container as <server>/<folder>.zip, checks the stored blob, and only then
// removes the zip from the server, so a copy survives the loss of the
// server. A zip that could not be copied stays on the server, and the next
// run delivers it.
func copyOffsite(ctx context.Context, inv *function.Invocation, client *remoteps.Client, blobs *azblob.Client, opts options, s *summary) error {
	name := blobName(opts, s.Folder)
	stored, err := streamToBlob(ctx, client, s.Zip, blobs, opts.container, name)
	if err != nil {
		return fmt.Errorf("off-site copy to %s/%s: %w (the zip stays on the server at %s until the next run)", opts.container, name, err, s.Zip)
	}
	inv.Figure("offsiteBlob", opts.container+"/"+name)
	inv.Log.Info("MimConfigBackup: zipped copy stored and verified", "container", opts.container, "blob", name,
		"bytes", stored.Size, "sha256", stored.SHA256)
	if _, err := client.Run(ctx, removeZipScript, removeZipParams{Root: opts.root, Zip: s.Zip}); err != nil {
		return fmt.Errorf("off-site copy: stored and verified as %s/%s, but %w: %s (the next run removes it): %w",
			opts.container, name, errZipNotRemoved, s.Zip, err)
	}
	return nil
}

// blobName is the blob of a backup's zip: <server>/<folder>.zip.
func blobName(opts options, folder string) string {
	return opts.winrm.Host + "/" + folder + ".zip"
}

// catchUp delivers the leftover zips of this run's share, oldest first: a
// zip whose blob is missing or does not verify is streamed and verified as
// the night's zip is, and then removed from the server; a zip whose blob
// already verifies is only removed. It records offsiteCatchUp, the zips
// delivered late, and says what is left for the next run.
func catchUp(ctx context.Context, inv *function.Invocation, client *remoteps.Client, blobs *azblob.Client, opts options, zips []leftover) []error {
	var problems []error
	delivered := 0
	defer func() { inv.Figure("offsiteCatchUp", delivered) }()
	for i, z := range zips {
		if z.SHA256 == "" || i >= catchUpMax {
			leaveLeftovers(inv, zips[i:], fmt.Sprintf("a run delivers at most %d", catchUpMax))
			break
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) < catchUpMinLeft {
			leaveLeftovers(inv, zips[i:], "the run deadline is near")
			break
		}
		uploaded, err := deliverLeftover(ctx, inv, client, blobs, opts, z)
		if uploaded {
			delivered++
		}
		if err != nil {
			problems = append(problems, err)
		}
	}
	return problems
}

// deliverLeftover copies one leftover zip off-site unless its blob already
// verifies, then removes it from the server. uploaded reports whether it
// was copied this run.
func deliverLeftover(ctx context.Context, inv *function.Invocation, client *remoteps.Client, blobs *azblob.Client, opts options, z leftover) (uploaded bool, err error) {
	name := blobName(opts, z.Folder)
	bb := blobs.ServiceClient().NewContainerClient(opts.container).NewBlockBlobClient(name)
	stored, err := blobMatches(ctx, bb, z.Size, z.SHA256)
	if err != nil {
		return false, fmt.Errorf("off-site copy of the leftover %s: %w (it stays on the server until the next run)", z.Zip, err)
	}
	if !stored {
		res, err := streamToBlob(ctx, client, z.Zip, blobs, opts.container, name)
		if err != nil {
			return false, fmt.Errorf("off-site copy of the leftover %s to %s/%s: %w (it stays on the server until the next run)",
				z.Zip, opts.container, name, err)
		}
		uploaded = true
		inv.Log.Info("MimConfigBackup: leftover zip of an earlier run stored and verified", "zip", z.Zip,
			"container", opts.container, "blob", name, "bytes", res.Size, "sha256", res.SHA256)
	} else {
		inv.Log.Info("MimConfigBackup: leftover zip of an earlier run already stored and verified; removing it only",
			"zip", z.Zip, "container", opts.container, "blob", name)
	}
	if _, err := client.Run(ctx, removeZipScript, removeZipParams{Root: opts.root, Zip: z.Zip}); err != nil {
		return uploaded, fmt.Errorf("off-site copy: %s/%s is stored and verified, but removing the leftover %s from the server failed (the next run removes it): %w",
			opts.container, name, z.Zip, err)
	}
	return uploaded, nil
}

// blobMatches reports whether the blob exists with the zip's size and
// SHA-256 (the sha256 metadata a verified copy carries).
func blobMatches(ctx context.Context, bb *blockblob.Client, size int64, sha string) (bool, error) {
	props, err := bb.GetProperties(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the blob's properties: %w", err)
	}
	return props.ContentLength != nil && *props.ContentLength == size &&
		strings.EqualFold(metadata(props.Metadata, "sha256"), sha), nil
}

// leaveLeftovers logs the leftover zips this run leaves for the next one,
// and why.
func leaveLeftovers(inv *function.Invocation, zips []leftover, why string) {
	if len(zips) == 0 {
		return
	}
	inv.Figure("offsiteLeftoversLeft", len(zips))
	names := make([]string, len(zips))
	for i, z := range zips {
		names[i] = z.Zip
	}
	inv.Log.Warn("MimConfigBackup: leftover zips of earlier runs left on the server for the next run",
		"count", len(zips), "why", why, "zips", strings.Join(names, ", "))
}

// removeZipParams are removezip.ps1's parameters.
type removeZipParams struct {
	Root string `json:"root"`
	Zip  string `json:"zip"`
}

// errUploadStopped ends the download when the upload has failed.
var errUploadStopped = errors.New("the upload stopped")

// errBlobTaken marks an off-site copy whose blob name already holds a
// different blob: it is kept, never overwritten.
var errBlobTaken = errors.New("the blob name already holds a different blob, which is kept")

// streamToBlob downloads remotePath through a pipe into staged blocks,
// hashing on the way, and commits the blob only once the download has been
// checked against the server's size and SHA-256, so a damaged or broken
// download never makes a blob. The commit carries the blob's Content-MD5 and
// sha256 metadata (an immutable container refuses to set them afterwards)
// and If-None-Match: *, so it never overwrites a blob: a name already taken
// by the same zip (an earlier commit whose answer was lost) counts as stored,
// one taken by another blob is errBlobTaken. The stored blob's properties are
// then read back and compared with what was downloaded.
func streamToBlob(ctx context.Context, client *remoteps.Client, remotePath string, blobs *azblob.Client, container, name string) (remoteps.DownloadResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bb := blobs.ServiceClient().NewContainerClient(container).NewBlockBlobClient(name)
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
	ids, upErr := stageBlocks(ctx, bb, pr)
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
	md5sum := sum.Sum(nil)
	etag, err := commitNew(ctx, bb, ids, d.res, md5sum)
	if errors.Is(err, errBlobExists) {
		return alreadyStored(ctx, bb, d.res)
	}
	if err != nil {
		return remoteps.DownloadResult{}, err
	}
	if err := verifyBlob(ctx, bb, etag, d.res, md5sum); err != nil {
		return remoteps.DownloadResult{}, fmt.Errorf("verify: %w", err)
	}
	return d.res, nil
}

// errBlobExists is a commit refused because the blob exists.
var errBlobExists = errors.New("the blob exists")

// commitNew commits the staged blocks as a new blob, with its Content-MD5,
// content type and sha256 metadata, only if no blob has the name yet.
func commitNew(ctx context.Context, bb *blockblob.Client, ids []string, want remoteps.DownloadResult, md5sum []byte) (*azcore.ETag, error) {
	resp, err := bb.CommitBlockList(ctx, ids, &blockblob.CommitBlockListOptions{
		HTTPHeaders: &blob.HTTPHeaders{BlobContentType: ptr("application/zip"), BlobContentMD5: md5sum},
		Metadata:    map[string]*string{"sha256": ptr(strings.ToLower(want.SHA256))},
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{
			IfNoneMatch: ptr(azcore.ETagAny)}},
	})
	if bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.BlobImmutableDueToPolicy, bloberror.ConditionNotMet) {
		return nil, errBlobExists
	}
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return resp.ETag, nil
}

// alreadyStored handles a commit refused because the name is taken: the
// same zip there (size and SHA-256) is this copy, stored by an earlier
// attempt; anything else is errBlobTaken.
func alreadyStored(ctx context.Context, bb *blockblob.Client, want remoteps.DownloadResult) (remoteps.DownloadResult, error) {
	same, err := blobMatches(ctx, bb, want.Size, want.SHA256)
	switch {
	case err != nil:
		return remoteps.DownloadResult{}, fmt.Errorf("the blob exists, and %w", err)
	case !same:
		return remoteps.DownloadResult{}, errBlobTaken
	}
	return want, nil
}

// stageBlocks reads r to its end in blocks of offsiteBlockSize and stages
// each, offsiteConcurrency at a time (so it holds at most that many blocks),
// each block's CRC64 checked by the service. It returns the block ids in
// order.
func stageBlocks(ctx context.Context, bb *blockblob.Client, r io.Reader) ([]string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	buffers := make(chan []byte, offsiteConcurrency)
	for range offsiteConcurrency {
		buffers <- make([]byte, offsiteBlockSize)
	}
	var (
		ids      []string
		wg       sync.WaitGroup
		failOnce sync.Once
		failed   error
	)
	fail := func(err error) { failOnce.Do(func() { failed = err; cancel() }) }
	for n := 0; ctx.Err() == nil; n++ {
		buf := <-buffers
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			id := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "block-%08d", n))
			ids = append(ids, id)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { buffers <- buf }()
				_, err := bb.StageBlock(ctx, id, streaming.NopCloser(bytes.NewReader(buf[:k])),
					&blockblob.StageBlockOptions{TransactionalValidation: blob.TransferValidationTypeComputeCRC64()})
				if err != nil {
					fail(fmt.Errorf("stage block %d: %w", n, err))
				}
			}()
		} else {
			buffers <- buf
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			fail(err)
		}
	}
	wg.Wait()
	return ids, failed
}

// verifyBlob reads the properties of the blob just committed (etag): the
// size, Content-MD5 and SHA-256 must be those of the download, and nobody
// may have written the blob in between.
func verifyBlob(ctx context.Context, bb *blockblob.Client, etag *azcore.ETag, want remoteps.DownloadResult, md5sum []byte) error {
	props, err := bb.GetProperties(ctx, &blob.GetPropertiesOptions{AccessConditions: ifMatch(etag)})
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
