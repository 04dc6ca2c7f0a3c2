import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { Audit, CurrentPrincipal, Principal } from '@rcp/auth';
import { CreateRuleDto, ListRulesQuery, UpdateRuleDto } from './rule.dto';
import { RuleView } from './rule-view';
import { RulesService } from './rules.service';

/** Rules: viewer reads, operator changes (rules of the key's shops; `*` rules need an every-shop key). */
@Controller('rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  async list(@Query() query: ListRulesQuery, @CurrentPrincipal() principal: Principal): Promise<{ items: RuleView[] }> {
    return { items: await this.rules.list(principal, query.shopId) };
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string, @CurrentPrincipal() principal: Principal): Promise<RuleView> {
    return this.rules.get(principal, id);
  }

  @Post()
  @Audit('rule.create')
  create(@Body() dto: CreateRuleDto): Promise<RuleView> {
    return this.rules.create(dto);
  }

  @Patch(':id')
  @Audit('rule.update')
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateRuleDto, @CurrentPrincipal() principal: Principal): Promise<RuleView> {
    return this.rules.update(principal, id, dto);
  }

  @Delete(':id')
  @Audit('rule.delete')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.rules.remove(principal, id);
  }
}
