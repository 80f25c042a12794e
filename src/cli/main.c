/* main.c: the keyart command. */
#include <stdio.h>
#include "keyart/keyart.h"
int main(int argc, char **argv) { (void)argc; (void)argv; printf("keyart %s\n", ka_version()); return 0; }
