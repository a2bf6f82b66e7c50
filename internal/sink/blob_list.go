package sink

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/tenantops/tenantops/internal/remotename"
)

// List implements Lister: the blobs directly under the sink's subfolder.
func (b *Blob) List(ctx context.Context) ([]Listed, error) {
	cc := b.client.ServiceClient().NewContainerClient(b.container)
	prefix := b.prefix
	pager := cc.NewListBlobsHierarchyPager("/", &container.ListBlobsHierarchyOptions{Prefix: &prefix})
	var out []Listed
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if isStatus(err, 404) {
				return nil, nil
			}
			return nil, fmt.Errorf("sink: blob: list %s: %w", b.Where(""), err)
		}
		for _, item := range page.Segment.BlobItems {
			if item.Name == nil {
				continue
			}
			l := Listed{Name: strings.TrimPrefix(*item.Name, b.prefix)}
			if p := item.Properties; p != nil {
				if p.ContentLength != nil {
					l.Size = *p.ContentLength
				}
				if p.LastModified != nil {
					l.ModTime = *p.LastModified
				}
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// Delete implements Lister.
func (b *Blob) Delete(ctx context.Context, name string) error {
	if err := remotename.Check(name); err != nil {
		return fmt.Errorf("sink: blob: %w", err)
	}
	_, err := b.client.ServiceClient().NewContainerClient(b.container).NewBlobClient(b.prefix+name).Delete(ctx, nil)
	if err != nil && !isStatus(err, 404) {
		return fmt.Errorf("sink: blob: delete %s: %w", b.Where(name), err)
	}
	return nil
}

// isStatus reports a service error with that HTTP status.
func isStatus(err error, status int) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == status
}

// Compile-time check.
var _ Lister = (*Blob)(nil)
