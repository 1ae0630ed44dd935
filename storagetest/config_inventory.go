package storagetest

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
)

// inventoryPageSize is how many inventory configurations one listing
// page holds (S3's page size).
const inventoryPageSize = 100

// cfgInventory is an InventoryConfiguration (S3, IBM).
type cfgInventory struct {
	XMLName                xml.Name   `xml:"InventoryConfiguration"`
	Xmlns                  string     `xml:"xmlns,attr,omitempty"`
	ID                     string     `xml:"Id"`
	IsEnabled              bool       `xml:"IsEnabled"`
	Filter                 *cfgPrefix `xml:"Filter"`
	IncludedObjectVersions string     `xml:"IncludedObjectVersions"`
	Schedule               struct {
		Frequency string `xml:"Frequency"`
	} `xml:"Schedule"`
	OptionalFields *struct {
		Fields []string `xml:"Field"`
	} `xml:"OptionalFields"`
	Destination struct {
		S3BucketDestination struct {
			AccountID string `xml:"AccountId,omitempty"`
			Bucket    string `xml:"Bucket"`
			Format    string `xml:"Format"`
			Prefix    string `xml:"Prefix,omitempty"`
		} `xml:"S3BucketDestination"`
	} `xml:"Destination"`
}

type cfgInventoryList struct {
	XMLName               xml.Name       `xml:"ListInventoryConfigurationsResult"`
	Xmlns                 string         `xml:"xmlns,attr,omitempty"`
	Configurations        []cfgInventory `xml:"InventoryConfiguration"`
	IsTruncated           bool           `xml:"IsTruncated"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
}

// inventoryID is the id query parameter of an inventory request.
func (c *call) inventoryID() (string, error) {
	id := c.query.Get("id")
	if id == "" {
		return "", c.fail(errInvalidArgument, "The inventory configuration id is required.")
	}
	return id, nil
}

// putInventory is PUT /bucket?inventory&id=: the body's Id must be the
// query's, the schedule, format and fields among the dialect's.
func (cs *configStore) putInventory(c *call) error {
	w := c.s.dialect.Bucket.Inventory
	id, err := c.inventoryID()
	if err != nil {
		return err
	}
	var doc cfgInventory
	if err := c.readXML(false, &doc); err != nil {
		return err
	}
	dst := doc.Destination.S3BucketDestination
	switch {
	case doc.ID != id:
		return c.fail(errInvalidArgument, "The configuration id in the body does not match the id query parameter.")
	case doc.IncludedObjectVersions != "All" && doc.IncludedObjectVersions != "Current",
		!slices.Contains(w.Frequencies, doc.Schedule.Frequency),
		!slices.Contains(w.Formats, dst.Format),
		dst.Bucket == "":
		return kindError(errMalformedXML)
	}
	if doc.OptionalFields != nil {
		for _, f := range doc.OptionalFields.Fields {
			if !slices.Contains(w.Fields, f) {
				return c.fail(errMalformedXML, "Unknown inventory field "+f+".")
			}
		}
	}
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.inventory[id] = &doc; return nil }); err != nil {
		return err
	}
	if c.s.wire.fl == flavorIBM {
		c.noContent(http.StatusNoContent) // IBM's bucket operations reference
		return nil
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// getInventory is GET /bucket?inventory: one configuration with an id,
// otherwise a page of them by id, continued by continuation-token.
func (cs *configStore) getInventory(c *call) error {
	if !c.query.Has("id") {
		return cs.listInventory(c)
	}
	id, err := c.inventoryID()
	if err != nil {
		return err
	}
	var inv *cfgInventory
	if err := cs.view(c.bucket, func(_ *bucket, set *configSet) error { inv = set.inventory[id]; return nil }); err != nil {
		return err
	}
	if inv == nil {
		return noSuchConfig("NoSuchConfiguration", "The specified configuration does not exist.")
	}
	doc := *inv
	doc.Xmlns = c.s.wire.xmlns()
	c.result(http.StatusOK, document{x: doc})
	return nil
}

// inventoryOp names a GET ?inventory request: one configuration or the
// listing.
func inventoryOp(c *call) string {
	if c.query.Has("id") {
		return "GetBucketInventoryConfiguration"
	}
	return "ListBucketInventoryConfigurations"
}

func (cs *configStore) listInventory(c *call) error {
	after := ""
	tok := c.query.Get("continuation-token")
	if tok != "" {
		var ok bool
		if after, ok = decodeToken(tok); !ok {
			return c.fail(errInvalidArgument, "The continuation token provided is incorrect.")
		}
	}
	res := cfgInventoryList{Xmlns: c.s.wire.xmlns(), ContinuationToken: tok}
	err := cs.view(c.bucket, func(_ *bucket, set *configSet) error {
		ids := make([]string, 0, len(set.inventory))
		for id := range set.inventory {
			if id > after {
				ids = append(ids, id)
			}
		}
		slices.SortFunc(ids, strings.Compare)
		if len(ids) > inventoryPageSize {
			ids = ids[:inventoryPageSize]
			res.IsTruncated = true
			res.NextContinuationToken = encodeToken(ids[len(ids)-1])
		}
		for _, id := range ids {
			inv := *set.inventory[id]
			inv.Xmlns = ""
			res.Configurations = append(res.Configurations, inv)
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.result(http.StatusOK, document{x: res})
	return nil
}

// deleteInventory is DELETE /bucket?inventory&id=; a missing id answers
// 404 NoSuchConfiguration.
func (cs *configStore) deleteInventory(c *call) error {
	id, err := c.inventoryID()
	if err != nil {
		return err
	}
	err = cs.update(c.bucket, func(_ *bucket, set *configSet) error {
		if set.inventory[id] == nil {
			return noSuchConfig("NoSuchConfiguration", "The specified configuration does not exist.")
		}
		delete(set.inventory, id)
		return nil
	})
	if err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}
