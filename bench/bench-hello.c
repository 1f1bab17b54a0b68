/* bench-hello - the spawn floor of `make bench`'s portal part: a trivial C
 * CGI program that prints a fixed page, run by the same web server. */
#include <stdio.h>

int
main (void)
{
  fputs ("Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
         "<!DOCTYPE html><html lang=\"en\"><head><title>hello</title></head><body><p>hello</p></body></html>\n",
         stdout);
  return 0;
}
