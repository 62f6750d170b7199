/**
 * Browsing against the in-process emulator: knowledge bases, folders, a pasted link, and the
 * recent and search lists, each with the operator's role.
 */
import { describe, expect, it } from 'vitest'
import { SEED } from '../../emulator/seed'
import { client, useClientEmulator, WANG, WEEKLY, ZHANG } from '@testing/dingtalk-emulator'

useClientEmulator()

// ---- the documented calls, end to end --------------------------------------------------------

describe('wiki and doc_1_0 calls', () => {
  it('browses workspaces, nodes and a pasted link with the operator role', async () => {
    const { api } = client()
    const spaces = await api.listWorkspaces(ZHANG.unionId, { maxResults: 100 })
    expect(spaces.items.map((w) => w.workspaceId)).toContain(SEED.workspaces.product.workspaceId)
    expect(spaces.items.every((w) => typeof w.permissionRole === 'string')).toBe(true)
    const mine = await api.getMineWorkspace(ZHANG.unionId)
    expect(mine.workspaceId).toBe(SEED.personal.zhangwei.workspaceId)

    const nodes = await api.listNodes(SEED.workspaces.product.rootNodeId, ZHANG.unionId, {})
    expect(nodes.items.find((n) => n.nodeId === WEEKLY.docId)).toMatchObject({ type: 'FILE', permissionRole: expect.any(String) })
    const meetings = await api.listNodes(SEED.folders.meetings.nodeId, ZHANG.unionId, { maxResults: 50 })
    expect(meetings.items).toHaveLength(50)
    expect(meetings.nextToken).toEqual(expect.any(String))

    expect(await api.getNode(WEEKLY.docId, WANG.unionId)).toMatchObject({ nodeId: WEEKLY.docId, permissionRole: 'READER' })
    expect(await api.getNodeByUrl(WEEKLY.url, ZHANG.unionId)).toMatchObject({ nodeId: WEEKLY.docId, name: WEEKLY.name })
    const recent = await api.recentEditDocs(ZHANG.unionId, { maxResults: 5 })
    expect(recent.items.length).toBeGreaterThan(0)
    expect(recent.items.length).toBeLessThanOrEqual(5)
    for (const d of recent.items)
      expect(d).toEqual({
        docId: d.url.split('/i/nodes/')[1],
        nodeId: expect.any(String),
        name: expect.any(String),
        url: expect.any(String),
        workspaceId: expect.any(String),
        workspaceName: expect.any(String),
      })
    const found = await api.searchDocs(ZHANG.unionId, WEEKLY.name, {})
    expect(found.items.find((d) => d.docId === WEEKLY.docId)).toMatchObject({
      name: WEEKLY.name,
      workspaceName: SEED.workspaces.product.name,
    })
  })
})
