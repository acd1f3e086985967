# guests/guests.mk: the test guests that are not plain 64-bit ELFs, for the
# boot-protocol tests (tests/guest/boot.sh).  Included by the top-level
# Makefile after its guest rules (it uses G, GUEST_CC, GUEST_CFLAGS,
# OBJCOPY, CC and Q):
#
#   include guests/guests.mk
#
# guests/pvh_guest.c, mb_guest.c and bz_guest.c are in GUEST_NAMES like any
# other guest; the explicit rules here link them their own way, which wins
# over the pattern rule for $(G)/%.elf:
#   pvh_guest.elf     a 64-bit ELF with the PVH note, 32-bit entry
#   mb_guest.elf      an ELF32 Multiboot kernel (objcopy of a 64-bit link)
#   mb_aout.elf/.bin  the same with the header's address fields (flag 16);
#                     the .bin is the flat image those fields describe
#   bz_guest.bzimage  a bzImage (tools/mkbzimage) around bz_guest.bin,
#                     entered by the Linux 64-bit boot protocol
#   bz_garbage.bzimage  the same with a payload in no known compression
#   bz_badgz.bzimage  the same with a payload that claims gzip but is corrupt
#   bz_gzelf.bzimage  the same with a gzip'd ELF (hello.elf) without a PVH
#                     note as payload
#   bz_pvh.bzimage    the same with gzip'd pvh_guest.elf as payload, which
#                     hyve decompresses and boots by PVH
# It defines BOOT_GUESTS (the extra files) and adds them to `guests`.

BOOT_GUEST_LDFLAGS := -Wl,--build-id=none,--no-warn-rwx-segments
BOOT32_RT := $(G)/rt/entry32.o $(G)/rt/rt.o $(G)/rt/isr.o $(G)/rt/x86.o \
	$(G)/rt/bootproto.o
LINUX64_RT := $(G)/rt/entry64linux.o $(G)/rt/rt.o $(G)/rt/isr.o \
	$(G)/rt/x86.o $(G)/rt/bootproto.o
MKBZIMAGE := $(G)/tools/mkbzimage

BOOT_GUESTS := $(G)/mb_aout.elf $(G)/mb_aout.bin $(G)/bz_guest.bzimage \
	$(G)/bz_garbage.bzimage $(G)/bz_badgz.bzimage $(G)/bz_gzelf.bzimage \
	$(G)/bz_pvh.bzimage

guests: $(BOOT_GUESTS)

$(G)/pvh_guest.o $(G)/mb_guest.o $(G)/bz_guest.o \
	$(G)/rt/bootproto.o: guests/rt/bootproto.h
$(G)/bz_guest.o: guests/tools/mkbzimage.h

$(G)/rt/mbheader_aout.o: guests/rt/mbheader.S
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -DMB_AOUT -c $< -o $@

$(G)/pvh_guest.elf: $(G)/pvh_guest.o $(G)/rt/pvhnote.o $(BOOT32_RT) \
		guests/rt/boot32.ld
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(BOOT_GUEST_LDFLAGS) \
		-T guests/rt/boot32.ld $(filter %.o,$^) -o $@

$(G)/mb_guest.elf64: $(G)/mb_guest.o $(G)/rt/mbheader.o $(BOOT32_RT) \
		guests/rt/boot32.ld
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(BOOT_GUEST_LDFLAGS) \
		-T guests/rt/boot32.ld $(filter %.o,$^) -o $@
$(G)/mb_aout.elf: $(G)/mb_guest.o $(G)/rt/mbheader_aout.o $(BOOT32_RT) \
		guests/rt/boot32.ld
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(BOOT_GUEST_LDFLAGS) \
		-T guests/rt/boot32.ld $(filter %.o,$^) -o $@
$(G)/mb_guest.elf: $(G)/mb_guest.elf64
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(OBJCOPY) -O elf32-i386 $< $@

$(G)/bz_guest.elf: $(G)/bz_guest.o $(LINUX64_RT) guests/rt/linux64.ld
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(BOOT_GUEST_LDFLAGS) \
		-T guests/rt/linux64.ld $(filter %.o,$^) -o $@

$(MKBZIMAGE): guests/tools/mkbzimage.c guests/tools/mkbzimage.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror $< -o $@

$(G)/%.elf.gz: $(G)/%.elf
	$(Q)gzip -9nc $< >$@.tmp && mv $@.tmp $@

$(G)/bz_guest.bzimage: $(G)/bz_guest.bin $(MKBZIMAGE)
	@$(if $(Q),echo "  BZIMAGE $@")
	$(Q)$(MKBZIMAGE) $< $@
$(G)/bz_garbage.bzimage: $(G)/bz_guest.bin $(MKBZIMAGE)
	$(Q)$(MKBZIMAGE) -g $< $@
$(G)/bz_badgz.bzimage: $(G)/bz_guest.bin $(MKBZIMAGE)
	$(Q)$(MKBZIMAGE) -z $< $@
$(G)/bz_gzelf.bzimage: $(G)/bz_guest.bin $(G)/hello.elf.gz $(MKBZIMAGE)
	$(Q)$(MKBZIMAGE) -p $(G)/hello.elf.gz $< $@
$(G)/bz_pvh.bzimage: $(G)/bz_guest.bin $(G)/pvh_guest.elf.gz $(MKBZIMAGE)
	$(Q)$(MKBZIMAGE) -p $(G)/pvh_guest.elf.gz $< $@

# virtio_drv.elf: the virtio driver guest (guests/virtio_drv.c, its parts in
# guests/vdrv/ and the driver library in guests/rt/), a PVH kernel like
# pvh_guest.elf, so that QEMU boots it too (bench/virtio).
VDRV_RT := $(G)/rt/pci.o $(G)/rt/virtio.o $(G)/rt/paging.o $(G)/rt/ring3.o \
	$(G)/rt/tsc.o
VDRV_OBJS := $(patsubst guests/vdrv/%.c,$(G)/vdrv/%.o,$(wildcard guests/vdrv/*.c))
VDRV_HDRS := guests/vdrv/vdrv.h guests/rt/virtio.h guests/rt/pci.h \
	guests/rt/paging.h guests/rt/ring3.h guests/rt/tsc.h guests/rt/bootproto.h

$(G)/vdrv/%.o: guests/vdrv/%.c $(VDRV_HDRS) guests/rt/rt.h guests/rt/x86.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GUEST   $<")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -Iguests/vdrv -c $< -o $@
$(G)/virtio_drv.o $(VDRV_RT): $(VDRV_HDRS)

$(G)/virtio_drv.elf: $(G)/virtio_drv.o $(VDRV_OBJS) $(VDRV_RT) \
		$(G)/rt/pvhnote.o $(BOOT32_RT) guests/rt/boot32.ld
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(BOOT_GUEST_LDFLAGS) \
		-T guests/rt/boot32.ld $(filter %.o,$^) -o $@
