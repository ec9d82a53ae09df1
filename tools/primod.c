/* primod command-line tool (placeholder until the CLI lands). */
#include <stdio.h>
int main(void) { puts("primod: not built yet"); return 0; }
