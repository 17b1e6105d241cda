/*
 * e1000.h — Intel 8254x (e1000, 82540EM) legacy descriptors, registers and
 * bits: the names the NIC model (nic.c) and the simulated Linux driver
 * (drv_e1000.c) share, exactly as the hardware lays them out.
 *
 * Legacy receive descriptor (16 bytes, little-endian, in host memory):
 *
 *   byte  0                8        10       12     13     14       16
 *         +----------------+--------+--------+------+------+--------+
 *         | buffer address | length | csum   |status|errors|special |
 *         | (DMA address!) | le16   | le16   |  u8  |  u8  | le16   |
 *         +----------------+--------+--------+------+------+--------+
 *   status: DD 0x01  EOP 0x02  IXSM 0x04  VP 0x08  UDPCS 0x10  TCPCS 0x20
 *           IPCS 0x40  PIF 0x80
 *   errors: CE 0x01  SE 0x02  SEQ 0x04  CXE 0x10  TCPE 0x20  IPE 0x40  RXE 0x80
 *
 * Legacy transmit descriptor (16 bytes):
 *
 *   byte  0                8        10    11    12    13    14       16
 *         +----------------+--------+-----+-----+-----+-----+--------+
 *         | buffer address | length | CSO | CMD | STA | CSS |special |
 *         +----------------+--------+-----+-----+-----+-----+--------+
 *         \________ lower dword (8..11) _______/ \_ upper dword (12..15) _/
 *   CMD (byte 11): EOP 0x01  IFCS 0x02  IC 0x04  RS 0x08  RPS 0x10  DEXT 0x20
 *                  VLE 0x40  IDE 0x80   (E1000_TXD_CMD_* = these << 24)
 *   STA (byte 12, low nibble): DD 0x1  EC 0x2  LC 0x4  TU 0x8
 *
 * The buffer address is a DMA address: an IOVA when the IOMMU translates
 * the device, a physical address (HPA, or GPA for a VM's device without a
 * vIOMMU) otherwise. Never a CPU virtual address.
 *
 * Registers (byte offsets into BAR0, 32-bit):
 *
 *   +---------+--------+   +---------+--------+   +---------+--------+
 *   | CTRL    | 0x0000 |   | RDBAL   | 0x2800 |   | TDBAL   | 0x3800 |
 *   | STATUS  | 0x0008 |   | RDBAH   | 0x2804 |   | TDBAH   | 0x3804 |
 *   | ICR     | 0x00C0 |   | RDLEN   | 0x2808 |   | TDLEN   | 0x3808 |
 *   | ITR     | 0x00C4 |   | RDH     | 0x2810 |   | TDH     | 0x3810 |
 *   | ICS     | 0x00C8 |   | RDT     | 0x2818 |   | TDT     | 0x3818 |
 *   | IMS     | 0x00D0 |   | RDTR    | 0x2820 |   | TIDV    | 0x3820 |
 *   | IMC     | 0x00D8 |   | RXDCTL  | 0x2828 |   | TXDCTL  | 0x3828 |
 *   | RCTL    | 0x0100 |   | RADV    | 0x282C |   | TADV    | 0x382C |
 *   | TCTL    | 0x0400 |   | RXCSUM  | 0x5000 |   | TIPG    | 0x0410 |
 *   +---------+--------+   +---------+--------+   +---------+--------+
 *
 *   ICR/IMS/IMC/ICS bits: TXDW 0x01  TXQE 0x02  LSC 0x04  RXSEQ 0x08
 *                         RXDMT0 0x10  RXO 0x40  RXT0 0x80
 *   ICR is read-to-clear; IMS write sets mask bits, IMC write clears them.
 *
 * Timer units: ITR counts 256 ns (minimum gap between interrupts);
 * RDTR, RADV, TIDV, TADV count 1.024 us.
 *
 * Ring rules: RDBAL/TDBAL keep bits 31:4 (16-byte aligned rings);
 * RDLEN/TDLEN keep bits 19:7 (multiples of 128 bytes = 8 descriptors).
 * Hardware owns [head, tail); head == tail means it owns nothing.
 *
 * Reference: qemu: hw/net/e1000x_regs.h, hw/net/e1000_regs.h, hw/net/e1000.c;
 * linux: drivers/net/ethernet/intel/e1000/e1000_hw.h, e1000_main.c;
 * Intel 8254x Family SDM (317453), sections 3.2, 3.3, 13.
 *
 * Not modelled: extended/advanced descriptors, context descriptors (TSO,
 * checksum offload), VLAN insertion/stripping, EEPROM/PHY (EECD, MDIC),
 * filters (MTA, RA, VFTA) beyond "accept everything".
 */
#ifndef IOMMULAB_E1000_H
#define IOMMULAB_E1000_H

#include <stdint.h>

#include "bits.h"

#define E1000_DESC_SIZE 16u

/* registers */
#define E1000_CTRL     0x0000u
#define E1000_STATUS   0x0008u
#define E1000_EECD     0x0010u
#define E1000_EERD     0x0014u
#define E1000_CTRL_EXT 0x0018u
#define E1000_MDIC     0x0020u
#define E1000_ICR      0x00C0u
#define E1000_ITR      0x00C4u
#define E1000_ICS      0x00C8u
#define E1000_IMS      0x00D0u
#define E1000_IMC      0x00D8u
#define E1000_RCTL     0x0100u
#define E1000_TCTL     0x0400u
#define E1000_TIPG     0x0410u
#define E1000_RDBAL    0x2800u
#define E1000_RDBAH    0x2804u
#define E1000_RDLEN    0x2808u
#define E1000_RDH      0x2810u
#define E1000_RDT      0x2818u
#define E1000_RDTR     0x2820u
#define E1000_RXDCTL   0x2828u
#define E1000_RADV     0x282Cu
#define E1000_TDBAL    0x3800u
#define E1000_TDBAH    0x3804u
#define E1000_TDLEN    0x3808u
#define E1000_TDH      0x3810u
#define E1000_TDT      0x3818u
#define E1000_TIDV     0x3820u
#define E1000_TXDCTL   0x3828u
#define E1000_TADV     0x382Cu
#define E1000_RXCSUM   0x5000u

#define E1000_BAR_SIZE 0x20000u /* 128 KiB, as the 82540EM's memory BAR */

/* masks QEMU applies on register writes (E1000_XDBAL_MASK, E1000_XDLEN_MASK) */
#define E1000_XDBAL_MASK 0xFFFFFFF0u
#define E1000_XDLEN_MASK 0x000FFF80u
#define E1000_XDHT_MASK  0x0000FFFFu

/* interrupt cause bits (ICR, ICS, IMS, IMC) */
#define E1000_ICR_TXDW   0x01u
#define E1000_ICR_TXQE   0x02u
#define E1000_ICR_LSC    0x04u
#define E1000_ICR_RXSEQ  0x08u
#define E1000_ICR_RXDMT0 0x10u
#define E1000_ICR_RXO    0x40u
#define E1000_ICR_RXT0   0x80u
/* what Linux e1000_irq_enable writes to IMS (IMS_ENABLE_MASK) */
#define E1000_IMS_ENABLE_MASK                                                                                \
	(E1000_ICR_RXT0 | E1000_ICR_TXDW | E1000_ICR_RXDMT0 | E1000_ICR_RXSEQ | E1000_ICR_LSC)

/* CTRL / STATUS */
#define E1000_CTRL_SLU          0x00000040u /* set link up */
#define E1000_CTRL_RST          0x04000000u
#define E1000_STATUS_FD         0x00000001u
#define E1000_STATUS_LU         0x00000002u
#define E1000_STATUS_SPEED_1000 0x00000080u

/* RCTL */
#define E1000_RCTL_EN            0x00000002u
#define E1000_RCTL_SBP           0x00000004u
#define E1000_RCTL_UPE           0x00000008u
#define E1000_RCTL_MPE           0x00000010u
#define E1000_RCTL_LPE           0x00000020u
#define E1000_RCTL_RDMTS_HALF    0x00000000u
#define E1000_RCTL_RDMTS_QUARTER 0x00000100u
#define E1000_RCTL_RDMTS_EIGTH   0x00000200u
#define E1000_RCTL_RDMTS_MASK    0x00000300u
#define E1000_RCTL_BAM           0x00008000u
#define E1000_RCTL_SZ_2048       0x00000000u /* BSIZE 00, BSEX 0 */
#define E1000_RCTL_SZ_1024       0x00010000u
#define E1000_RCTL_SZ_512        0x00020000u
#define E1000_RCTL_SZ_256        0x00030000u
#define E1000_RCTL_SZ_16384      0x00010000u /* with BSEX */
#define E1000_RCTL_SZ_8192       0x00020000u /* with BSEX */
#define E1000_RCTL_SZ_4096       0x00030000u /* with BSEX */
#define E1000_RCTL_SZ_MASK       0x00030000u
#define E1000_RCTL_BSEX          0x02000000u
#define E1000_RCTL_SECRC         0x04000000u

/* TCTL */
#define E1000_TCTL_EN  0x00000002u
#define E1000_TCTL_PSP 0x00000008u

/* Rx descriptor */
#define E1000_RXD_STAT_DD    0x01u
#define E1000_RXD_STAT_EOP   0x02u
#define E1000_RXD_STAT_IXSM  0x04u
#define E1000_RXD_STAT_VP    0x08u
#define E1000_RXD_STAT_UDPCS 0x10u
#define E1000_RXD_STAT_TCPCS 0x20u
#define E1000_RXD_STAT_IPCS  0x40u
#define E1000_RXD_STAT_PIF   0x80u
#define E1000_RXD_ERR_CE     0x01u
#define E1000_RXD_ERR_SE     0x02u
#define E1000_RXD_ERR_SEQ    0x04u
#define E1000_RXD_ERR_CXE    0x10u
#define E1000_RXD_ERR_TCPE   0x20u
#define E1000_RXD_ERR_IPE    0x40u
#define E1000_RXD_ERR_RXE    0x80u

/* Tx descriptor: CMD as placed in the lower dword, and as the byte */
#define E1000_TXD_CMD_EOP  0x01000000u
#define E1000_TXD_CMD_IFCS 0x02000000u
#define E1000_TXD_CMD_IC   0x04000000u
#define E1000_TXD_CMD_RS   0x08000000u
#define E1000_TXD_CMD_RPS  0x10000000u
#define E1000_TXD_CMD_DEXT 0x20000000u
#define E1000_TXD_CMD_VLE  0x40000000u
#define E1000_TXD_CMD_IDE  0x80000000u
#define E1000_TXD_STAT_DD  0x00000001u
#define E1000_TXD_STAT_EC  0x00000002u
#define E1000_TXD_STAT_LC  0x00000004u
#define E1000_TXD_STAT_TU  0x00000008u

/* at most this many bytes per Tx descriptor (E1000_MAX_DATA_PER_TXD) */
#define E1000_MAX_DATA_PER_TXD 4096u

/* timer units, in ns */
#define E1000_INTR_THROTTLING_NS_RES 256u  /* ITR */
#define E1000_INTR_DELAY_NS_RES      1024u /* RDTR, RADV, TIDV, TADV */

/* descriptor field offsets */
#define E1000_RXD_ADDR    0
#define E1000_RXD_LENGTH  8
#define E1000_RXD_CSUM    10
#define E1000_RXD_STATUS  12
#define E1000_RXD_ERRORS  13
#define E1000_RXD_SPECIAL 14
#define E1000_TXD_ADDR    0
#define E1000_TXD_LOWER   8  /* length | CSO << 16 | CMD << 24 */
#define E1000_TXD_UPPER   12 /* STA | CSS << 8 | special << 16 */

/* Rx buffer size encoded in RCTL (BSIZE + BSEX) -> bytes */
static inline uint32_t e1000_rctl_bufsize(uint32_t rctl)
{
	static const uint32_t plain[4] = {2048, 1024, 512, 256};
	static const uint32_t ext[4] = {2048, 16384, 8192, 4096}; /* BSEX with 00 is reserved */
	uint32_t i = (rctl & E1000_RCTL_SZ_MASK) >> 16;
	return (rctl & E1000_RCTL_BSEX) ? ext[i] : plain[i];
}

/* bytes -> RCTL bits; 0 if not a size the 8254x supports */
static inline uint32_t e1000_bufsize_rctl(uint32_t size, int *ok)
{
	*ok = 1;
	switch (size) {
	case 2048:
		return E1000_RCTL_SZ_2048;
	case 1024:
		return E1000_RCTL_SZ_1024;
	case 512:
		return E1000_RCTL_SZ_512;
	case 256:
		return E1000_RCTL_SZ_256;
	case 4096:
		return E1000_RCTL_SZ_4096 | E1000_RCTL_BSEX;
	case 8192:
		return E1000_RCTL_SZ_8192 | E1000_RCTL_BSEX;
	case 16384:
		return E1000_RCTL_SZ_16384 | E1000_RCTL_BSEX;
	default:
		*ok = 0;
		return 0;
	}
}

#endif
