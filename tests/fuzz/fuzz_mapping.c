/* libFuzzer target: Heroku Connect mapping exports (forcefs init --mapping FILE). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "sync_mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sync_mapping *mapping = NULL;
	struct error err = {0};
	int rc = sync_mapping_parse((const char *)data, size, "fuzz.json", &mapping, &err);
	if (rc != 0) {
		if (rc != -EINVAL || mapping || strchr(err.message, '\n') || !err.message[0])
			abort();
		return 0;
	}
	for (size_t i = 0; i < mapping->nobjects; i++)
		if (sync_mapping_find(mapping, mapping->objects[i].name) == NULL)
			abort();
	sync_mapping_free(mapping);
	return 0;
}
