package bucket

import (
	"context"
	"encoding/xml"
	"github.com/polystore/polystore/internal/opkit"
	"iter"
	"net/http"
	"slices"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/paging"
)

// InventoryFormat is the file format of inventory reports.
type InventoryFormat string

// Inventory report formats (IBM: CSV only).
const (
	InventoryCSV     InventoryFormat = "CSV"
	InventoryORC     InventoryFormat = "ORC"
	InventoryParquet InventoryFormat = "Parquet"
)

// Values returns the formats polystore knows.
func (InventoryFormat) Values() []InventoryFormat {
	return []InventoryFormat{InventoryCSV, InventoryORC, InventoryParquet}
}

// InventoryFrequency is how often an inventory report is produced.
type InventoryFrequency string

// Inventory schedules.
const (
	InventoryDaily  InventoryFrequency = "Daily"
	InventoryWeekly InventoryFrequency = "Weekly"
)

// Values returns the schedules polystore knows.
func (InventoryFrequency) Values() []InventoryFrequency {
	return []InventoryFrequency{InventoryDaily, InventoryWeekly}
}

// InventoryVersions says which object versions a report lists.
type InventoryVersions string

// Inventory version selections.
const (
	InventoryCurrentVersions InventoryVersions = "Current"
	InventoryAllVersions     InventoryVersions = "All"
)

// Values returns the selections a report can make.
func (InventoryVersions) Values() []InventoryVersions {
	return []InventoryVersions{InventoryCurrentVersions, InventoryAllVersions}
}

// InventoryField is an optional column of an inventory report. Which
// fields a dialect offers is in its dialect table
// (client.InventoryWire.Fields).
type InventoryField string

// Inventory fields IBM and S3 both offer. S3 offers more (StorageClass,
// ReplicationStatus, ObjectLockMode, ...); any name from
// client.InventoryWire.Fields may be used.
const (
	InventorySize                InventoryField = "Size"
	InventoryLastModifiedDate    InventoryField = "LastModifiedDate"
	InventoryETag                InventoryField = "ETag"
	InventoryIsMultipartUploaded InventoryField = "IsMultipartUploaded"
	InventoryEncryptionStatus    InventoryField = "EncryptionStatus"
	InventoryObjectOwner         InventoryField = "ObjectOwner"
)

// Values returns the fields every dialect with inventories offers.
func (InventoryField) Values() []InventoryField {
	return []InventoryField{InventorySize, InventoryLastModifiedDate, InventoryETag, InventoryIsMultipartUploaded,
		InventoryEncryptionStatus, InventoryObjectOwner}
}

// InventoryDestination is where inventory reports are written.
type InventoryDestination struct {
	// Bucket is the destination bucket: an ARN ("arn:aws:s3:::reports")
	// for S3, a bucket CRN for IBM. Required.
	Bucket string
	// Format is the report format. Required.
	Format InventoryFormat
	// Prefix starts the keys of the reports.
	Prefix string
	// AccountID owns the destination bucket (S3, optional).
	AccountID string
}

// InventoryConfiguration is one inventory report definition of a bucket.
type InventoryConfiguration struct {
	// ID names the configuration. Required.
	ID string
	// Enabled says reports are produced.
	Enabled bool
	// Prefix limits the report to keys that start with it.
	Prefix string
	// IncludedObjectVersions says which versions are listed. Required.
	IncludedObjectVersions InventoryVersions
	// Frequency is the schedule. Required.
	Frequency InventoryFrequency
	// OptionalFields are the extra columns of the report.
	OptionalFields []InventoryField
	// Destination is where reports go.
	Destination InventoryDestination
}

// PutInventoryInput is the input of PutInventory.
type PutInventoryInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Inventory is the configuration, created or replaced by its ID.
	// Required.
	Inventory *InventoryConfiguration
}

// PutInventoryOutput is the result of PutInventory.
type PutInventoryOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetInventoryInput is the input of GetInventory.
type GetInventoryInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// ID names the configuration. Required.
	ID string
}

// GetInventoryOutput is the result of GetInventory.
type GetInventoryOutput struct {
	// Inventory is the configuration.
	Inventory InventoryConfiguration
	// RequestID is the service's request id.
	RequestID string
}

// DeleteInventoryInput is the input of DeleteInventory.
type DeleteInventoryInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// ID names the configuration. Required.
	ID string
}

// DeleteInventoryOutput is the result of DeleteInventory.
type DeleteInventoryOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// ListInventoriesInput is the input of ListInventories and
// ListInventoriesPage.
type ListInventoriesInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// ContinuationToken resumes a listing: pass a page's
	// NextContinuationToken.
	ContinuationToken string
}

// InventoriesPage is one page of a bucket's inventory configurations.
type InventoriesPage struct {
	// Inventories are the page's configurations.
	Inventories []InventoryConfiguration
	// IsTruncated says more configurations follow.
	IsTruncated bool
	// NextContinuationToken resumes the listing.
	NextContinuationToken string
	// RequestID is the service's request id.
	RequestID string
}

var inventoryFeature = feature{"inventory configurations", func(w *client.BucketWire) bool { return w.Inventory.Supported }}

type xmlInventoryConfiguration struct {
	XMLName                xml.Name               `xml:"InventoryConfiguration"`
	Xmlns                  string                 `xml:"xmlns,attr,omitempty"`
	ID                     string                 `xml:"Id"`
	IsEnabled              bool                   `xml:"IsEnabled"`
	Filter                 *xmlPrefixFilter       `xml:"Filter"`
	IncludedObjectVersions string                 `xml:"IncludedObjectVersions"`
	Schedule               xmlInventorySchedule   `xml:"Schedule"`
	OptionalFields         *xmlInventoryFields    `xml:"OptionalFields"`
	Destination            xmlInventoryDestSource `xml:"Destination"`
}

type xmlInventorySchedule struct {
	Frequency string `xml:"Frequency"`
}

type xmlInventoryFields struct {
	Fields []string `xml:"Field"`
}

type xmlInventoryDestSource struct {
	S3BucketDestination xmlInventoryDestination `xml:"S3BucketDestination"`
}

type xmlInventoryDestination struct {
	AccountID string `xml:"AccountId,omitempty"`
	Bucket    string `xml:"Bucket"`
	Format    string `xml:"Format"`
	Prefix    string `xml:"Prefix,omitempty"`
}

type xmlListInventoryResult struct {
	Configurations        []xmlInventoryConfiguration `xml:"InventoryConfiguration"`
	IsTruncated           bool                        `xml:"IsTruncated"`
	NextContinuationToken string                      `xml:"NextContinuationToken"`
}

func checkInventoryID(field, id string) error {
	if id == "" {
		return client.InvalidArgument(field, "must not be empty")
	}
	return nil
}

func validatePutInventory(d *client.Dialect, in *PutInventoryInput) error {
	w := d.Bucket.Inventory
	inv := in.Inventory
	if inv == nil {
		return client.InvalidArgument("Inventory", "is required")
	}
	if err := checkInventoryID("Inventory.ID", inv.ID); err != nil {
		return err
	}
	if inv.IncludedObjectVersions != InventoryCurrentVersions && inv.IncludedObjectVersions != InventoryAllVersions {
		return client.InvalidArgument("Inventory.IncludedObjectVersions", "must be InventoryCurrentVersions or InventoryAllVersions, got %q", inv.IncludedObjectVersions)
	}
	if !slices.Contains(w.Frequencies, string(inv.Frequency)) {
		return client.InvalidArgument("Inventory.Frequency", "%q is not one of %s", inv.Frequency, strings.Join(w.Frequencies, ", "))
	}
	for i, f := range inv.OptionalFields {
		if !slices.Contains(w.Fields, string(f)) {
			return client.InvalidArgument(field("Inventory.OptionalFields", i, ""), "%q is not one of %s", f, strings.Join(w.Fields, ", "))
		}
		if slices.Contains(inv.OptionalFields[:i], f) {
			return client.InvalidArgument(field("Inventory.OptionalFields", i, ""), "%q is listed twice", f)
		}
	}
	if inv.Destination.Bucket == "" {
		return client.InvalidArgument("Inventory.Destination.Bucket", "must not be empty")
	}
	if !slices.Contains(w.Formats, string(inv.Destination.Format)) {
		return client.InvalidArgument("Inventory.Destination.Format", "%q is not one of %s", inv.Destination.Format, strings.Join(w.Formats, ", "))
	}
	return nil
}

func inventoryXML(d *client.Dialect, inv *InventoryConfiguration) xmlInventoryConfiguration {
	x := xmlInventoryConfiguration{
		Xmlns: d.Bucket.XMLNamespace, ID: inv.ID, IsEnabled: inv.Enabled,
		IncludedObjectVersions: string(inv.IncludedObjectVersions),
		Schedule:               xmlInventorySchedule{Frequency: string(inv.Frequency)},
		Destination: xmlInventoryDestSource{S3BucketDestination: xmlInventoryDestination{
			AccountID: inv.Destination.AccountID, Bucket: inv.Destination.Bucket,
			Format: string(inv.Destination.Format), Prefix: inv.Destination.Prefix,
		}},
	}
	if inv.Prefix != "" {
		x.Filter = &xmlPrefixFilter{Prefix: inv.Prefix}
	}
	if len(inv.OptionalFields) > 0 {
		x.OptionalFields = &xmlInventoryFields{}
		for _, f := range inv.OptionalFields {
			x.OptionalFields.Fields = append(x.OptionalFields.Fields, string(f))
		}
	}
	return x
}

func inventoryFromXML(x *xmlInventoryConfiguration) InventoryConfiguration {
	dst := x.Destination.S3BucketDestination
	inv := InventoryConfiguration{
		ID: x.ID, Enabled: x.IsEnabled,
		IncludedObjectVersions: InventoryVersions(x.IncludedObjectVersions),
		Frequency:              InventoryFrequency(x.Schedule.Frequency),
		Destination: InventoryDestination{
			Bucket: dst.Bucket, Format: InventoryFormat(dst.Format), Prefix: dst.Prefix, AccountID: dst.AccountID,
		},
	}
	if x.Filter != nil {
		inv.Prefix = x.Filter.Prefix
	}
	if x.OptionalFields != nil {
		for _, f := range x.OptionalFields.Fields {
			inv.OptionalFields = append(inv.OptionalFields, InventoryField(f))
		}
	}
	return inv
}

var putInventoryOp = configOp[PutInventoryInput, PutInventoryOutput]{
	name: "PutBucketInventoryConfiguration", method: http.MethodPut, sub: "inventory", feature: inventoryFeature,
	bucket:   func(in *PutInventoryInput) string { return in.Bucket },
	validate: validatePutInventory,
	serialize: func(d *client.Dialect, in *PutInventoryInput, r *opkit.Request) error {
		r.Query.Set("id", in.Inventory.ID)
		return setXML(d, r, inventoryXML(d, in.Inventory))
	},
	requestID: func(out *PutInventoryOutput) *string { return &out.RequestID },
}.op()

// PutInventory creates or replaces one inventory configuration of a
// bucket (S3, IBM: PUT ?inventory&id=). Other dialects refuse it with
// client.ErrNotSupported.
func (c *Client) PutInventory(ctx context.Context, in *PutInventoryInput, optFns ...func(*client.Options)) (*PutInventoryOutput, error) {
	return opkit.Call(ctx, c.c, &putInventoryOp, in, optFns...)
}

var getInventoryOp = configOp[GetInventoryInput, GetInventoryOutput]{
	name: "GetBucketInventoryConfiguration", method: http.MethodGet, sub: "inventory", feature: inventoryFeature,
	bucket:   func(in *GetInventoryInput) string { return in.Bucket },
	validate: func(_ *client.Dialect, in *GetInventoryInput) error { return checkInventoryID("ID", in.ID) },
	serialize: func(_ *client.Dialect, in *GetInventoryInput, r *opkit.Request) error {
		r.Query.Set("id", in.ID)
		return nil
	},
	deserialize: func(d *client.Dialect, resp *http.Response, out *GetInventoryOutput) error {
		var doc xmlInventoryConfiguration
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		out.Inventory = inventoryFromXML(&doc)
		return nil
	},
	requestID: func(out *GetInventoryOutput) *string { return &out.RequestID },
}.op()

// GetInventory returns one inventory configuration. A missing one is an
// error matching client.ErrNotFound.
func (c *Client) GetInventory(ctx context.Context, in *GetInventoryInput, optFns ...func(*client.Options)) (*GetInventoryOutput, error) {
	return getConfig(ctx, c, &getInventoryOp, in, optFns,
		func(out *GetInventoryOutput) bool { return out.Inventory.ID == "" }, "inventory configuration "+in.ID)
}

var deleteInventoryOp = configOp[DeleteInventoryInput, DeleteInventoryOutput]{
	name: "DeleteBucketInventoryConfiguration", method: http.MethodDelete, sub: "inventory", feature: inventoryFeature,
	bucket:   func(in *DeleteInventoryInput) string { return in.Bucket },
	validate: func(_ *client.Dialect, in *DeleteInventoryInput) error { return checkInventoryID("ID", in.ID) },
	serialize: func(_ *client.Dialect, in *DeleteInventoryInput, r *opkit.Request) error {
		r.Query.Set("id", in.ID)
		return nil
	},
	requestID: func(out *DeleteInventoryOutput) *string { return &out.RequestID },
}.op()

// DeleteInventory removes one inventory configuration.
func (c *Client) DeleteInventory(ctx context.Context, in *DeleteInventoryInput, optFns ...func(*client.Options)) (*DeleteInventoryOutput, error) {
	return opkit.Call(ctx, c.c, &deleteInventoryOp, in, optFns...)
}

var listInventoriesOp = configOp[ListInventoriesInput, InventoriesPage]{
	name: "ListBucketInventoryConfigurations", method: http.MethodGet, sub: "inventory", feature: inventoryFeature,
	bucket: func(in *ListInventoriesInput) string { return in.Bucket },
	serialize: func(_ *client.Dialect, in *ListInventoriesInput, r *opkit.Request) error {
		opkit.SetQuery(r.Query, "continuation-token", in.ContinuationToken)
		return nil
	},
	deserialize: func(d *client.Dialect, resp *http.Response, out *InventoriesPage) error {
		var doc xmlListInventoryResult
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		for i := range doc.Configurations {
			out.Inventories = append(out.Inventories, inventoryFromXML(&doc.Configurations[i]))
		}
		out.IsTruncated, out.NextContinuationToken = doc.IsTruncated, doc.NextContinuationToken
		return nil
	},
	requestID: func(out *InventoriesPage) *string { return &out.RequestID },
}.op()

// ListInventoriesPage returns one page of a bucket's inventory
// configurations (GET ?inventory, continued by continuation-token).
func (c *Client) ListInventoriesPage(ctx context.Context, in *ListInventoriesInput, optFns ...func(*client.Options)) (*InventoriesPage, error) {
	return opkit.Call(ctx, c.c, &listInventoriesOp, in, optFns...)
}

// ListInventories iterates over a bucket's inventory configurations, one
// page per request. It stops with client.ErrListingStalled, before
// yielding anything twice, if the server does not advance.
func (c *Client) ListInventories(ctx context.Context, in *ListInventoriesInput, optFns ...func(*client.Options)) iter.Seq2[InventoryConfiguration, error] {
	if in == nil {
		in = &ListInventoriesInput{}
	}
	base := *in
	return paging.Pager[InventoryConfiguration]{
		Dialect: opkit.DialectOf(c.c).Name, Op: listInventoriesOp.Name, Start: paging.Cursor{A: base.ContinuationToken},
		Fetch: func(ctx context.Context, cur paging.Cursor) (paging.Page[InventoryConfiguration], error) {
			req := base
			req.ContinuationToken = cur.A
			p, err := c.ListInventoriesPage(ctx, &req, optFns...)
			if err != nil {
				return paging.Page[InventoryConfiguration]{}, err
			}
			return paging.Page[InventoryConfiguration]{Items: p.Inventories, Next: paging.Cursor{A: p.NextContinuationToken}, More: p.IsTruncated}, nil
		},
		Ident: func(inv InventoryConfiguration) string { return inv.ID },
	}.Seq(ctx)
}
